// One k-means run from given initial centroids, with ml-kmeans doing the Lloyd iterations.
// Convergence follows scikit-learn rather than ml-kmeans' own rule (every centroid moved less
// than the tolerance): stop when the labels no longer change or the total squared centroid
// shift is <= tol, where tol = 1e-4 x the mean column variance. Matching the criterion is what
// makes inertia comparable with scikit-learn's for the same number of restarts.
import { kmeansGenerator } from 'ml-kmeans';
import { assign, type Points } from './points.ts';

export interface LloydOptions {
  /** Absolute tolerance on the summed squared centroid shift (see kmeansTolerance). */
  tol: number;
  maxIterations: number;
}

export interface LloydResult {
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
  iterations: number;
  /** Empty clusters re-seeded on the farthest point during this run. */
  relocations: number;
}

/** scikit-learn's tolerance: `relative` times the mean of the column variances. */
export function kmeansTolerance(points: Points, relative = 1e-4): number {
  const { values, n, d } = points;
  let total = 0;
  for (let t = 0; t < d; t++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i * d + t];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) {
      const x = values[i * d + t] - mean;
      v += x * x;
    }
    total += v / n;
  }
  return (total / d) * relative;
}

/** The points as ml-kmeans wants them: one plain array per row (measurably faster there than typed views). */
export function toRows(points: Points): number[][] {
  const { values, n, d } = points;
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = new Array<number>(d);
    for (let t = 0; t < d; t++) r[t] = values[i * d + t];
    rows[i] = r;
  }
  return rows;
}

function toNested(flat: Float64Array, k: number, d: number): number[][] {
  return Array.from({ length: k }, (_, c) => Array.from(flat.subarray(c * d, c * d + d)));
}

type Distance = (p: number[], q: number[]) => number;
const distanceCache = new Map<number, Distance>();

/**
 * ml-kmeans calls its distance function k times per point per iteration, which is nearly all of
 * its run time; a squared Euclidean distance unrolled for this dimension is about 25 % faster
 * than its generic loop. The source is built from the dimension only (an integer), never from data.
 */
export function squaredEuclideanFor(d: number): Distance {
  let fn = distanceCache.get(d);
  if (!fn) {
    const body = Array.from({ length: d }, (_, i) => `x = p[${i}] - q[${i}]; s += x * x;`).join(' ');
    fn = new Function('p', 'q', `let s = 0, x; ${body} return s;`) as Distance;
    distanceCache.set(d, fn);
  }
  return fn;
}

function iterate(
  rows: number[][],
  init: Float64Array,
  k: number,
  d: number,
  opts: LloydOptions,
): { centroids: Float64Array; iterations: number } {
  let prev = toNested(init, k, d);
  const distanceFunction = squaredEuclideanFor(d);
  let iterations = 0;
  // ml-kmeans' own convergence test is disabled (tolerance -1 never holds) in favour of ours.
  for (const step of kmeansGenerator(rows, k, {
    initialization: prev,
    tolerance: -1,
    maxIterations: opts.maxIterations,
    distanceFunction,
  })) {
    iterations++;
    const next = step.centroids;
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const a = next[c];
      const b = prev[c];
      for (let t = 0; t < d; t++) {
        const x = a[t] - b[t];
        shift += x * x;
      }
    }
    prev = next;
    if (shift <= opts.tol) break;
  }
  const centroids = new Float64Array(k * d);
  prev.forEach((c, i) => centroids.set(c, i * d));
  return { centroids, iterations };
}

/**
 * Runs Lloyd iterations from `init` (k x d). ml-kmeans keeps an empty cluster's previous centroid,
 * which leaves a persona with no members; instead, like scikit-learn, an empty cluster is moved to
 * the point farthest from its centroid and the iterations resume (at most k times per run).
 * The returned labels and inertia come from a final assignment to the returned centroids.
 */
export function lloyd(
  points: Points,
  rows: number[][],
  init: Float64Array,
  k: number,
  opts: LloydOptions,
): LloydResult {
  const { n, d } = points;
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  let { centroids, iterations } = iterate(rows, init, k, d, opts);
  let inertia = assign(points, centroids, k, labels, dist);
  let relocations = 0;
  for (let round = 0; round < k; round++) {
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) counts[labels[i]]++;
    const empty: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
    if (empty.length === 0) break;
    // Farthest points first; each one only once. A point at distance 0 sits on a centroid already.
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => dist[b] - dist[a]);
    let moved = 0;
    for (const c of empty) {
      const i = order[moved];
      if (i === undefined || dist[i] === 0) break;
      centroids.set(points.values.subarray(i * d, i * d + d), c * d);
      moved++;
    }
    if (moved === 0) break;
    relocations += moved;
    const again = iterate(rows, centroids, k, d, opts);
    centroids = again.centroids;
    iterations += again.iterations;
    inertia = assign(points, centroids, k, labels, dist);
  }
  return { centroids, labels, inertia, iterations, relocations };
}
