// Greedy k-means++ seeding on typed arrays, as scikit-learn's _kmeans_plusplus does it: each new
// centre is the best of 2 + floor(ln k) candidates drawn with probability proportional to the
// squared distance to the nearest centre chosen so far. ml-kmeans' own k-means++ goes through
// ml-matrix and dominates its run time on large inputs, so the seeds are computed here and
// handed to it as the initial centroids.
import type { Rng } from '../random/rng.ts';
import type { Points } from './points.ts';

/** Returns k initial centroids (k x d, row-major) picked among the points. */
export function kmeansPlusPlus(points: Points, k: number, rng: Rng): Float64Array {
  const { values, n, d } = points;
  const centers = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const closest = new Float64Array(n);
  const candDist = new Float64Array(n * trials);
  const cumsum = new Float64Array(n);

  let first = rng.int(n);
  centers.set(values.subarray(first * d, first * d + d), 0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const x = values[i * d + t] - values[first * d + t];
      s += x * x;
    }
    closest[i] = s;
  }

  const candIds = new Int32Array(trials);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cumsum[i] = acc;
    }
    for (let tr = 0; tr < trials; tr++) {
      // All remaining points coincide with a centre (duplicates): any point is as good as another.
      candIds[tr] = acc > 0 ? searchSorted(cumsum, rng.next() * acc) : rng.int(n);
    }
    let bestTrial = 0;
    let bestPot = Infinity;
    for (let tr = 0; tr < trials; tr++) {
      const cb = candIds[tr] * d;
      const off = tr * n;
      let p = 0;
      for (let i = 0; i < n; i++) {
        const base = i * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const x = values[base + t] - values[cb + t];
          s += x * x;
        }
        const m = s < closest[i] ? s : closest[i];
        candDist[off + i] = m;
        p += m;
      }
      if (p < bestPot) {
        bestPot = p;
        bestTrial = tr;
      }
    }
    first = candIds[bestTrial];
    centers.set(values.subarray(first * d, first * d + d), c * d);
    closest.set(candDist.subarray(bestTrial * n, bestTrial * n + n));
  }
  return centers;
}

/** First index whose cumulative value is >= x (numpy searchsorted, side left), clipped to n-1. */
function searchSorted(cumsum: Float64Array, x: number): number {
  let lo = 0;
  let hi = cumsum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumsum[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
