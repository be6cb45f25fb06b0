// The encoded training matrix: n rows of d values, row-major in one Float64Array. A flat typed
// array shares cleanly with worker threads (SharedArrayBuffer) and keeps distance loops tight.
import { sampleIndices, type Rng } from '../random/rng.ts';

export interface Points {
  readonly values: Float64Array;
  readonly n: number;
  readonly d: number;
}

/** Squared Euclidean distance between row i of `a` and row j of `b` (both with d columns). */
export function sqDist(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  const ai = i * d;
  const bj = j * d;
  for (let t = 0; t < d; t++) {
    const x = a[ai + t] - b[bj + t];
    s += x * x;
  }
  return s;
}

/**
 * Assigns every point to its nearest centroid; fills `labels` and `dist` (squared distances)
 * and returns the inertia (their sum). Ties go to the lower centroid index, as in scikit-learn.
 */
export function assign(
  points: Points,
  centroids: Float64Array,
  k: number,
  labels: Int32Array,
  dist?: Float64Array,
): number {
  const { values, n, d } = points;
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Infinity;
    const base = i * d;
    for (let c = 0, cb = 0; c < k; c++, cb += d) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const x = values[base + t] - centroids[cb + t];
        s += x * x;
      }
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    labels[i] = best;
    if (dist) dist[i] = bestD;
    inertia += bestD;
  }
  return inertia;
}

/** Mean of each label's points, k x d; an empty label gets NaN (callers must handle it). */
export function labelMeans(
  points: Points,
  labels: Int32Array,
  k: number,
): { means: Float64Array; counts: Int32Array } {
  const { values, n, d } = points;
  const means = new Float64Array(k * d);
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    const base = i * d;
    const cb = c * d;
    for (let t = 0; t < d; t++) means[cb + t] += values[base + t];
  }
  for (let c = 0; c < k; c++) for (let t = 0; t < d; t++) means[c * d + t] /= counts[c];
  return { means, counts };
}

/** Number of distinct rows (exact comparison of the encoded values). */
export function countDistinct(points: Points, limit = Infinity): number {
  const { values, n, d } = points;
  const seen = new Set<string>();
  for (let i = 0; i < n && seen.size < limit; i++) {
    seen.add(Array.prototype.join.call(values.subarray(i * d, i * d + d), ','));
  }
  return seen.size;
}

/** A seeded uniform sample of `size` rows (without replacement, in their original order). */
export function samplePoints(points: Points, size: number, rng: Rng): Points {
  const { values, d } = points;
  const idx = sampleIndices(points.n, size, rng);
  const out = new Float64Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) out.set(values.subarray(idx[i] * d, idx[i] * d + d), i * d);
  return { values: out, n: idx.length, d };
}
