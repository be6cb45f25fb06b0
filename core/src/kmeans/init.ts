// Initial centroids for one restart. On small inputs: greedy k-means++ on all rows, exactly as
// scikit-learn seeds. On large inputs the seeds are refined on a sample first (Bradley & Fayyad,
// "Refining initial points for k-means clustering", 1998): several greedy k-means++ seedings are
// each run to convergence on a seeded sample of the rows, and the one with the lowest inertia
// there becomes the start of the Lloyd run on all rows. Lloyd then starts next to a local optimum
// (few full passes instead of dozens), and each restart has explored several optima, not one.
import type { Rng } from '../random/rng.ts';
import { lloyd, toRows, type LloydOptions } from './lloyd.ts';
import { samplePoints, type Points } from './points.ts';
import { kmeansPlusPlus } from './seeding.ts';

export interface InitOptions {
  /** Rows in the sample the candidate seedings are refined on. */
  sampleSize: number;
  /** Greedy k-means++ seedings refined per restart; the lowest inertia on the sample wins. */
  candidates: number;
}

export const DEFAULT_INIT: InitOptions = { sampleSize: 10_000, candidates: 2 };

export interface InitialCentroids {
  centroids: Float64Array;
  /** Lloyd iterations spent on the sample (0 when seeded on all rows). */
  sampleIterations: number;
}

/**
 * Below twice the sample size a sample saves too little to be worth its noise, so the seeds are
 * plain greedy k-means++ on all rows (and results equal scikit-learn's procedure exactly).
 */
export function usesSample(n: number, init: InitOptions): boolean {
  return init.candidates >= 1 && init.sampleSize > 0 && n >= 2 * init.sampleSize;
}

/** The k starting centroids (k x d, row-major) of one restart; deterministic for a given rng. */
export function initialCentroids(
  points: Points,
  k: number,
  rng: Rng,
  init: InitOptions,
  opts: LloydOptions,
): InitialCentroids {
  if (!usesSample(points.n, init)) return { centroids: kmeansPlusPlus(points, k, rng), sampleIterations: 0 };
  return refinedSeeds(samplePoints(points, init.sampleSize, rng), k, rng, init.candidates, opts);
}

/**
 * The lowest-inertia of `candidates` greedy k-means++ seedings of `sample`, each run to
 * convergence there with Lloyd (the refinement step of initialCentroids, also the mini-batch
 * trainer's seeding on its reservoir sample).
 */
export function refinedSeeds(
  sample: Points,
  k: number,
  rng: Rng,
  candidates: number,
  opts: LloydOptions,
): InitialCentroids {
  const rows = toRows(sample);
  let best: { centroids: Float64Array; inertia: number } | undefined;
  let sampleIterations = 0;
  for (let c = 0; c < candidates; c++) {
    const r = lloyd(sample, rows, kmeansPlusPlus(sample, k, rng), k, opts);
    sampleIterations += r.iterations;
    if (!best || r.inertia < best.inertia) best = r;
  }
  return { centroids: best!.centroids, sampleIterations };
}
