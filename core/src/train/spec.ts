// What a training run is asked to do, and the checks that refuse a spec that cannot work.
import type { FeatureSpec, ModelArtifact, RawValue } from '../artifact/types.ts';
import { InputError } from '../data/input-error.ts';
import { getColumn, type Table } from '../data/table.ts';

export interface PersonaDefinition {
  name: string;
  /** Raw units; categorical features take a category. */
  centroid: Record<string, RawValue>;
}

export interface TrainSpec {
  /** Ordered feature list; names must be columns of the table. */
  features: FeatureSpec[];
  /** `fixed`: the pre-defined personas are the model; `fit`: k-means. */
  mode: 'fit' | 'fixed';
  k: { min: number; max: number };
  nInit: number;
  seed: number;
  /** Pre-defined personas: the model itself in `fixed` mode, names to match in `fit` mode. */
  personas?: PersonaDefinition[];
  /** The previous version: its persona names are kept for the clusters that match them. */
  previous?: ModelArtifact;
  /** Silhouette is exact up to this many rows, on a seeded sample of this size above (default 10000). */
  silhouetteSampleSize?: number;
  /** Rows kept in the artifact for drift checks (default 5000). */
  referenceSampleSize?: number;
  /** Worker threads for the restarts; default chosen from input size and machine. */
  workers?: number;
}

/** A training specification that cannot work (bad k, fixed mode without personas...). */
export class TrainSpecError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'TrainSpecError';
  }
}

/** Checks the spec against the table's columns and `rows`, the number of rows trained on (default: the table's). */
export function validateSpec(table: Table, spec: TrainSpec, rows = table.rowCount): void {
  if (spec.features.length === 0) throw new TrainSpecError('no features given');
  const names = new Set<string>();
  for (const f of spec.features) {
    if (names.has(f.name)) throw new TrainSpecError(`feature "${f.name}" is listed twice`);
    names.add(f.name);
    getColumn(table, f.name);
  }
  if (rows === 0) throw new TrainSpecError('the training data has no rows');
  if (!Number.isInteger(spec.seed)) throw new TrainSpecError(`seed must be an integer, got ${spec.seed}`);
  if (spec.mode === 'fixed') {
    if (!spec.personas || spec.personas.length === 0) {
      throw new TrainSpecError('mode "fixed" needs pre-defined personas (--personas)');
    }
    return;
  }
  const { min, max } = spec.k;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new TrainSpecError(`invalid k range ${min}..${max}: expected integers with 1 <= min <= max`);
  }
  if (max > rows) {
    throw new TrainSpecError(`k = ${max} is larger than the number of rows (${rows})`);
  }
  if (!Number.isInteger(spec.nInit) || spec.nInit < 1) {
    throw new TrainSpecError(`nInit must be a positive integer, got ${spec.nInit}`);
  }
}
