// Nearest-centroid scoring: the predictor's hot path and the batch `persona predict`.
// Centroids live in one flat Float64Array and each row is encoded into a reused scratch
// buffer, so scoring a row allocates nothing beyond the Prediction it returns.
import type { FeatureEncoding, ModelArtifact, Prediction } from '../artifact/types.ts';

/** A row that cannot be scored; `instance` is its 0-based index in the request or file. */
export class RowError extends Error {
  constructor(
    message: string,
    readonly instance: number,
    readonly feature?: string,
  ) {
    super(message);
    this.name = 'RowError';
  }
}

export interface Scorer {
  readonly features: readonly FeatureEncoding[];
  readonly featureNames: readonly string[];
  /** Length of an encoded row (numeric features + one-hot columns). */
  readonly dimension: number;
  /**
   * Scores one row: an array of raw values in feature order, or an object keyed by feature name.
   * @throws RowError naming `instance` and the feature.
   */
  predictOne(row: unknown, instance?: number): Prediction;
  predictBatch(rows: readonly unknown[]): Prediction[];
}

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === null) return 'null';
  return Array.isArray(v) ? 'an array' : typeof v;
}

interface CompiledFeature {
  name: string;
  numeric: boolean;
  offset: number;
  mean: number;
  scale: number;
  /** categorical: category -> one-hot index; a Map so "__proto__" and friends are ordinary keys. */
  categories: Map<string, number>;
  width: number;
}

/**
 * Builds a scorer for a (validated) artifact.
 *
 * Confidence is 1 - d1 / d2, where d1 <= d2 are the Euclidean distances to the nearest and the
 * second-nearest centroid: 1 when the row sits on its centroid, 0 when it is equidistant from two
 * personas. With a single persona there is nothing to confuse it with, so confidence is 1.
 */
export function createScorer(artifact: ModelArtifact): Scorer {
  const features = artifact.features;
  const featureNames = features.map((f) => f.name);
  const nFeatures = features.length;
  const compiled: CompiledFeature[] = [];
  let dim = 0;
  for (const f of features) {
    if (f.type === 'numeric') {
      compiled.push({
        name: f.name,
        numeric: true,
        offset: dim,
        mean: f.mean,
        scale: f.scale,
        categories: new Map(),
        width: 1,
      });
      dim += 1;
    } else {
      const categories = new Map(f.categories.map((c, i) => [c, i] as const));
      compiled.push({
        name: f.name,
        numeric: false,
        offset: dim,
        mean: 0,
        scale: 1,
        categories,
        width: f.categories.length,
      });
      dim += f.categories.length;
    }
  }
  const k = artifact.personas.length;
  const centroids = new Float64Array(k * dim);
  const names: string[] = [];
  const ids: number[] = [];
  artifact.personas.forEach((p, c) => {
    if (p.scaled.length !== dim) {
      throw new Error(
        `persona ${JSON.stringify(p.name)}: scaled centroid has ${p.scaled.length} values, expected ${dim}`,
      );
    }
    centroids.set(p.scaled, c * dim);
    names.push(p.name);
    ids.push(p.id);
  });
  const scratch = new Float64Array(dim);

  function encodeValue(cf: CompiledFeature, v: unknown, instance: number): void {
    if (cf.numeric) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RowError(
          `instance ${instance}, feature "${cf.name}": expected a finite number, got ${show(v)}`,
          instance,
          cf.name,
        );
      }
      scratch[cf.offset] = (v - cf.mean) / cf.scale;
      return;
    }
    if (typeof v !== 'string') {
      throw new RowError(
        `instance ${instance}, feature "${cf.name}": expected a category string, got ${show(v)}`,
        instance,
        cf.name,
      );
    }
    const idx = cf.categories.get(v);
    if (idx === undefined) {
      throw new RowError(
        `instance ${instance}, feature "${cf.name}": unknown category ${show(v)}`,
        instance,
        cf.name,
      );
    }
    for (let j = 0; j < cf.width; j++) scratch[cf.offset + j] = 0;
    scratch[cf.offset + idx] = 1;
  }

  function encode(row: unknown, instance: number): void {
    if (Array.isArray(row)) {
      if (row.length !== nFeatures) {
        throw new RowError(
          `instance ${instance}: expected ${nFeatures} values in feature order (${featureNames.join(', ')}), got ${row.length}`,
          instance,
        );
      }
      for (let i = 0; i < nFeatures; i++) encodeValue(compiled[i], row[i], instance);
      return;
    }
    if (typeof row !== 'object' || row === null) {
      throw new RowError(
        `instance ${instance}: expected an array in feature order or an object keyed by feature name, got ${show(row)}`,
        instance,
      );
    }
    const rec = row as Record<string, unknown>;
    for (let i = 0; i < nFeatures; i++) {
      const cf = compiled[i];
      if (!Object.hasOwn(rec, cf.name)) {
        throw new RowError(`instance ${instance}, feature "${cf.name}": missing`, instance, cf.name);
      }
      encodeValue(cf, rec[cf.name], instance);
    }
    // Every feature was present, so any extra own key is unknown; count instead of allocating Object.keys.
    let count = 0;
    for (const key in rec) if (Object.hasOwn(rec, key)) count++;
    if (count !== nFeatures) {
      for (const key in rec) {
        if (Object.hasOwn(rec, key) && !featureNames.includes(key)) {
          throw new RowError(`instance ${instance}, feature "${key}": unknown feature`, instance, key);
        }
      }
    }
  }

  function predictOne(row: unknown, instance = 0): Prediction {
    encode(row, instance);
    let best = 0;
    let d1 = Infinity;
    let d2 = Infinity;
    for (let c = 0, base = 0; c < k; c++, base += dim) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const t = scratch[j] - centroids[base + j];
        s += t * t;
      }
      if (s < d1) {
        d2 = d1;
        d1 = s;
        best = c;
      } else if (s < d2) {
        d2 = s;
      }
    }
    const distance = Math.sqrt(d1);
    let confidence = 1;
    if (k > 1) {
      const second = Math.sqrt(d2);
      confidence = second > 0 ? 1 - distance / second : 0;
    }
    return { persona: names[best], personaId: ids[best], distance, confidence };
  }

  function predictBatch(rows: readonly unknown[]): Prediction[] {
    const out: Prediction[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = predictOne(rows[i], i);
    return out;
  }

  return { features, featureNames, dimension: dim, predictOne, predictBatch };
}
