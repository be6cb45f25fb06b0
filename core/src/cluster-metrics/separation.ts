// Calinski-Harabasz and Davies-Bouldin indices, defined exactly as scikit-learn computes them
// (cluster centres are the means of the labelled points, not the k-means centroids passed in).
import { labelMeans, type Points } from '../kmeans/points.ts';

function presentClusters(counts: Int32Array): number {
  let p = 0;
  for (const c of counts) if (c > 0) p++;
  return p;
}

/**
 * Ratio of between-cluster to within-cluster dispersion, each divided by its degrees of freedom:
 * (B / (k - 1)) / (W / (n - k)). Higher is better. null with fewer than 2 clusters or k >= n;
 * 1 when every point sits on its centre (W = 0), as scikit-learn returns.
 */
export function calinskiHarabasz(points: Points, labels: Int32Array, k: number): number | null {
  const { values, n, d } = points;
  const { means, counts } = labelMeans(points, labels, k);
  const kk = presentClusters(counts);
  if (kk < 2 || kk >= n) return null;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] += values[i * d + t];
  for (let t = 0; t < d; t++) mean[t] /= n;
  let between = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const x = means[c * d + t] - mean[t];
      s += x * x;
    }
    between += counts[c] * s;
  }
  let within = 0;
  for (let i = 0; i < n; i++) {
    const cb = labels[i] * d;
    for (let t = 0; t < d; t++) {
      const x = values[i * d + t] - means[cb + t];
      within += x * x;
    }
  }
  if (within === 0) return 1;
  return (between * (n - kk)) / (within * (kk - 1));
}

/**
 * Mean over clusters of the worst (s_i + s_j) / d_ij, where s is the mean distance of a cluster's
 * points to its centre and d the distance between centres. Lower is better; 0 for degenerate
 * clusterings, as scikit-learn returns. null with fewer than 2 clusters or k >= n.
 */
export function daviesBouldin(points: Points, labels: Int32Array, k: number): number | null {
  const { values, n, d } = points;
  const { means, counts } = labelMeans(points, labels, k);
  const kk = presentClusters(counts);
  if (kk < 2 || kk >= n) return null;
  const present: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] > 0) present.push(c);
  const intra = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const cb = labels[i] * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const x = values[i * d + t] - means[cb + t];
      s += x * x;
    }
    intra[labels[i]] += Math.sqrt(s);
  }
  for (const c of present) intra[c] /= counts[c];
  const centre = (a: number, b: number) => {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const x = means[a * d + t] - means[b * d + t];
      s += x * x;
    }
    return Math.sqrt(s);
  };
  let allIntraZero = true;
  let allCentreZero = true;
  for (const c of present) if (Math.abs(intra[c]) > 1e-8) allIntraZero = false;
  for (const a of present) for (const b of present) if (a !== b && centre(a, b) > 1e-8) allCentreZero = false;
  if (allIntraZero || allCentreZero) return 0;
  let total = 0;
  for (const a of present) {
    let worst = 0;
    for (const b of present) {
      if (a === b) continue;
      const dist = centre(a, b);
      const r = dist === 0 ? 0 : (intra[a] + intra[b]) / dist;
      if (r > worst) worst = r;
    }
    total += worst;
  }
  return total / kk;
}
