// The data hash recorded with every version: which rows a model was trained on.
import { createHash } from 'node:crypto';
import type { FeatureSpec } from '../artifact/types.ts';
import { getColumn, type Table } from '../data/table.ts';

/** hashTable fed a batch of rows at a time (for rows read as a stream). */
export function tableHasher(features: readonly FeatureSpec[]): { add(table: Table): void; digest(): string } {
  const h = createHash('sha256');
  h.update(`${features.map((f) => f.name).join(',')}\n`);
  return {
    add(table) {
      const cols = features.map((f) => getColumn(table, f.name));
      for (let i = 0; i < table.rowCount; i++) {
        let line = '';
        for (let c = 0; c < cols.length; c++) line += (c ? ',' : '') + String(cols[c].values[i]);
        h.update(`${line}\n`);
      }
    },
    digest: () => h.digest('hex'),
  };
}

/** sha256 over the feature columns as read: header line, then one line per row. */
export function hashTable(table: Table, features: readonly FeatureSpec[]): string {
  const h = tableHasher(features);
  h.add(table);
  return h.digest();
}
