// Mean silhouette coefficient, as scikit-learn's silhouette_score: per point
// s = (b - a) / max(a, b), with a the mean distance to the other members of its cluster and b
// the smallest mean distance to another cluster; 0 for a point alone in its cluster.
//
// Several labelings of the same points (one per k of a sweep) are scored in one pass over the
// point pairs: the O(s^2 d) distance work is shared and only the O(s^2) accumulation is per k.
import { createRng, sampleIndices } from '../random/rng.ts';
import type { Points } from '../kmeans/points.ts';

export interface Labeling {
  labels: Int32Array;
  /** Labels are 0..k-1. */
  k: number;
}

export interface SilhouetteOptions {
  /** Score exactly up to this many points; above it, a seeded uniform sample of this size. */
  sampleSize?: number;
  seed?: number;
}

/** The scored points (all of them, or the sample) with their labels, ready for the pair pass. */
export interface SilhouetteInput {
  x: Float64Array;
  s: number;
  d: number;
  ks: number[];
  labels: Int32Array[];
}

export function silhouetteInput(
  points: Points,
  labelings: readonly Labeling[],
  opts: SilhouetteOptions = {},
): SilhouetteInput {
  const { n, d } = points;
  const sampleSize = opts.sampleSize ?? Infinity;
  const idx = n > sampleSize ? sampleIndices(n, sampleSize, createRng(opts.seed ?? 0)) : null;
  const s = idx ? idx.length : n;
  const x = idx ? new Float64Array(s * d) : points.values;
  if (idx) for (let i = 0; i < s; i++) x.set(points.values.subarray(idx[i] * d, idx[i] * d + d), i * d);
  const labels = labelings.map((l) => (idx ? Int32Array.from(idx, (j) => l.labels[j]) : l.labels));
  return { x, s, d, ks: labelings.map((l) => l.k), labels };
}

/**
 * Adds the distances of the pairs (i, j > i) for rows i = first, first + step, ... into
 * per-point, per-cluster sums (one s x k array per labeling). `first`/`step` let a caller split
 * the triangle into interleaved, similar-sized shares with private sums.
 */
export function accumulatePairs(input: SilhouetteInput, first: number, step: number): Float64Array[] {
  const { x, s, d, ks, labels } = input;
  const sums = ks.map((k) => new Float64Array(s * k));
  const row = new Float64Array(s);
  for (let i = first; i < s; i += step) {
    const bi = i * d;
    for (let j = i + 1; j < s; j++) {
      const bj = j * d;
      let acc = 0;
      for (let t = 0; t < d; t++) {
        const v = x[bi + t] - x[bj + t];
        acc += v * v;
      }
      row[j] = Math.sqrt(acc);
    }
    for (let m = 0; m < ks.length; m++) {
      const k = ks[m];
      const lab = labels[m];
      const sm = sums[m];
      const li = lab[i];
      const oi = i * k;
      for (let j = i + 1; j < s; j++) {
        const dist = row[j];
        sm[oi + lab[j]] += dist;
        sm[j * k + li] += dist;
      }
    }
  }
  return sums;
}

/** Mean silhouette per labeling from the complete sums; null where scikit-learn refuses (< 2 or > s - 1 labels). */
export function finishSilhouette(input: SilhouetteInput, sums: readonly Float64Array[]): (number | null)[] {
  const { s, ks, labels } = input;
  return ks.map((k, m) => {
    const lab = labels[m];
    const counts = new Int32Array(k);
    for (let i = 0; i < s; i++) counts[lab[i]]++;
    let present = 0;
    for (let c = 0; c < k; c++) if (counts[c] > 0) present++;
    if (present < 2 || present > s - 1) return null;
    const sm = sums[m];
    let total = 0;
    for (let i = 0; i < s; i++) {
      const li = lab[i];
      if (counts[li] <= 1) continue;
      const a = sm[i * k + li] / (counts[li] - 1);
      let b = Infinity;
      for (let c = 0; c < k; c++) {
        if (c === li || counts[c] === 0) continue;
        const v = sm[i * k + c] / counts[c];
        if (v < b) b = v;
      }
      const denom = Math.max(a, b);
      total += denom > 0 ? (b - a) / denom : 0;
    }
    return total / s;
  });
}

/**
 * Mean silhouette per labeling, or null where it is undefined (fewer than 2 or more than
 * n - 1 distinct labels among the scored points, as scikit-learn refuses those).
 */
export function silhouetteScores(
  points: Points,
  labelings: readonly Labeling[],
  opts: SilhouetteOptions = {},
): (number | null)[] {
  const input = silhouetteInput(points, labelings, opts);
  return finishSilhouette(input, accumulatePairs(input, 0, 1));
}

/** Mean silhouette of one labeling (see silhouetteScores). */
export function silhouetteScore(
  points: Points,
  labels: Int32Array,
  k: number,
  opts: SilhouetteOptions = {},
): number | null {
  return silhouetteScores(points, [{ labels, k }], opts)[0];
}
