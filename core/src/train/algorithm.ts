// The training algorithms and their defaults, apart from the code that runs them, so the API
// types and flags can name them without loading the trainer.
export const ALGORITHMS = ['lloyd', 'minibatch', 'auto'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/**
 * `auto` trains with mini-batch k-means above this many rows. Below it Lloyd's exact optimum is
 * affordable: a million rows of ten features are about 300 MB in memory while the restarts run
 * (the rows, their encoding and the per-row arrays ml-kmeans iterates over).
 */
export const AUTO_MINIBATCH_ROWS = 1_000_000;
/** scikit-learn's MiniBatchKMeans default batch_size. */
export const DEFAULT_BATCH_SIZE = 1024;
/**
 * Passes over the data at most. scikit-learn allows 100 epochs (max_iter) of in-memory batches;
 * a pass here reads the whole table again, and the convergence test stops far earlier in practice.
 */
export const DEFAULT_MAX_EPOCHS = 10;

/** Most pods a training run's sweep is split over (an Indexed Job's parallelism). */
export const MAX_TRAINING_PARALLELISM = 64;

/**
 * The (k, restart) fits of a sweep, the most pods it can be split over: (k.max - k.min + 1) x
 * nInit; a single fit for pre-defined personas (mode `fixed`), which sweep nothing.
 */
export function sweepGridSize(spec: {
  mode: 'fit' | 'fixed';
  k: { min: number; max: number };
  nInit: number;
}): number {
  return spec.mode === 'fixed' ? 1 : Math.max(0, spec.k.max - spec.k.min + 1) * spec.nInit;
}

/**
 * Why a training spec cannot split its sweep over `parallelism` pods, or undefined when it can:
 * the pods share Lloyd's (k, restart) grid, so they need k-means (not pre-defined personas),
 * Lloyd (mini-batch k-means, which auto may choose, streams the rows in one pod) and at most
 * one pod per fit of the grid.
 */
export function parallelismProblem(spec: {
  mode: 'fit' | 'fixed';
  k: { min: number; max: number };
  nInit: number;
  algorithm: Algorithm;
  parallelism: number;
}): string | undefined {
  const n = spec.parallelism;
  if (n === 1) return undefined;
  if (spec.mode === 'fixed') return `mode "fixed" fits no k-means grid: expected 1, got ${n}`;
  if (spec.algorithm !== 'lloyd') {
    return `a grid split over pods runs Lloyd's restarts: expected algorithm lloyd with ${n} pods, got ${spec.algorithm}`;
  }
  const grid = sweepGridSize(spec);
  if (n > grid)
    return `expected at most the grid size ((k.max - k.min + 1) x nInit = ${grid} fits), got ${n}`;
  return undefined;
}
