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
