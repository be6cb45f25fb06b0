// Choosing k from the best restart of each k: silhouettes, the other metrics, the winner. The
// sweep in one process and the gather of a sweep run over several pods both end here, so the
// same restarts give the same metrics and the same k bit for bit, whichever way they were run.
import type { KMetrics } from '../artifact/types.ts';
import { calinskiHarabasz, daviesBouldin } from '../cluster-metrics/separation.ts';
import type { SilhouetteOptions } from '../cluster-metrics/silhouette.ts';
import { assign, type Points } from '../kmeans/points.ts';
import type { KMeansPool } from '../kmeans/pool.ts';

/** The best restart of one k: its centroids (k x d, scaled) and the rows' labels under them. */
export interface KWinner {
  k: number;
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
}

export interface KChoice {
  /** One entry per k, k ascending. */
  perK: KMetrics[];
  chosen: KMetrics;
  /** The chosen k's centroids (k x d, scaled). */
  centroids: Float64Array;
}

export function metricsFor(
  points: Points,
  labels: Int32Array,
  k: number,
  inertia: number,
  silhouette: number | null,
): KMetrics {
  return {
    k,
    inertia,
    silhouette,
    calinskiHarabasz: calinskiHarabasz(points, labels, k),
    daviesBouldin: daviesBouldin(points, labels, k),
  };
}

/** Index of the k with the best mean silhouette (ties and all-null: the first, i.e. the smaller k). */
export function bestBySilhouette(perK: readonly KMetrics[]): number {
  let bestIdx = 0;
  perK.forEach((m, i) => {
    const best = perK[bestIdx].silhouette;
    if (m.silhouette !== null && (best === null || m.silhouette > best)) bestIdx = i;
  });
  return bestIdx;
}

/**
 * A winner from its centroids alone (a restart stored without its labels): the labels and the
 * inertia are the final assignment Lloyd's own result ends with, so they come out the same.
 */
export function winnerOf(points: Points, k: number, centroids: Float64Array): KWinner {
  const labels = new Int32Array(points.n);
  const inertia = assign(points, centroids, k, labels);
  return { k, centroids, labels, inertia };
}

/**
 * Scores every winner (silhouette for k >= 2 on the pool, whose pair pass sums in a fixed order
 * whatever its thread count) and keeps the k with the best silhouette. `winners` k ascending.
 */
export async function chooseK(
  pool: KMeansPool,
  points: Points,
  winners: readonly KWinner[],
  silOpts: SilhouetteOptions,
): Promise<KChoice> {
  const scored = winners.filter((w) => w.k >= 2);
  const sils = await pool.silhouettes(
    scored.map((w) => ({ labels: w.labels, k: w.k })),
    silOpts,
  );
  const silByK = new Map(scored.map((w, i) => [w.k, sils[i]] as const));
  const perK = winners.map((w) => metricsFor(points, w.labels, w.k, w.inertia, silByK.get(w.k) ?? null));
  const bestIdx = bestBySilhouette(perK);
  return { perK, chosen: perK[bestIdx], centroids: winners[bestIdx].centroids };
}
