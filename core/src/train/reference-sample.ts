// The seeded sample of training rows kept in the artifact for drift checks.
import type { FeatureSpec, RawValue } from '../artifact/types.ts';
import { getColumn, type Table } from '../data/table.ts';
import { createRng } from '../random/rng.ts';

/** Indices of a seeded uniform sample of n rows (reservoir sampling, Algorithm R), ascending. */
export function referenceSampleRows(n: number, size: number, seed: number): number[] {
  const m = Math.min(size, n);
  const picked = Array.from({ length: m }, (_, i) => i);
  const rng = createRng(seed ^ 0x5eed);
  for (let i = m; i < n; i++) {
    const j = rng.int(i + 1);
    if (j < m) picked[j] = i;
  }
  return picked.sort((a, b) => a - b);
}

export function rowsOf(
  table: Table,
  features: readonly FeatureSpec[],
  indices: readonly number[],
): RawValue[][] {
  const cols = features.map((f) => getColumn(table, f.name));
  return indices.map((i) => cols.map((c) => c.values[i]));
}
