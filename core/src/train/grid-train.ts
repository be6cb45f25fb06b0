// Training over several processes (the pods of an Indexed Job): each fits its share of the
// sweep's (k, restart) grid on the same rows, and the one holding every fit gathers them into
// the model trainModel makes in one process. Each fit is seeded from (seed, k, restart) alone
// and the gather chooses k with trainModel's own chooseK, so the result is the same bit for bit
// however the grid was split.
import type { ModelArtifact } from '../artifact/types.ts';
import { InputError } from '../data/input-error.ts';
import type { Table } from '../data/table.ts';
import { chooseWorkers, openPool } from '../kmeans/pool.ts';
import type { RestartResult } from '../kmeans/restart.ts';
import {
  bestPerK,
  gridShare,
  restartProgress,
  restartSettings,
  sweepTasks,
  validateSweep,
} from '../kmeans/sweep.ts';
import { chooseK, winnerOf } from './choose-k.ts';
import { TrainSpecError, type TrainSpec } from './spec.ts';
import { hashTable } from './table-hash.ts';
import { artifactOfChoice, trainingInput, type TrainOptions } from './train.ts';

/** Which share of the grid a process fits: task i belongs to share i mod count. */
export interface GridShareRef {
  index: number;
  count: number;
}

/** One fit of the grid as the gather reads it back. */
export interface GridFit {
  k: number;
  restart: number;
  inertia: number;
  /** k x d scaled centroids. */
  centroids: Float64Array;
  /** hashTable of the rows it was fitted on. */
  dataHash: string;
}

export interface ShareResult {
  /** hashTable of the rows read: every share of one run must have read the same rows. */
  dataHash: string;
  /** The fits this call ran, in the order they finished. */
  fits: RestartResult[];
}

const taskKey = (t: { k: number; restart: number }) => `${t.k}/${t.restart}`;

function requireSweep(spec: TrainSpec): void {
  if (spec.mode === 'fixed')
    throw new TrainSpecError('mode "fixed" fits no k-means grid: it cannot be split over several pods');
}

/**
 * Fits the tasks of `share` that `done` does not list (fits a previous attempt already stored).
 * Validates the spec and the rows as trainModel does, so every share refuses bad input alike.
 */
export async function fitShare(
  table: Table,
  spec: TrainSpec,
  share: GridShareRef,
  opts: TrainOptions & { done?: readonly { k: number; restart: number }[] } = {},
): Promise<ShareResult> {
  requireSweep(spec);
  const { points } = trainingInput(table, spec);
  validateSweep(points, { kMin: spec.k.min, kMax: spec.k.max, nInit: spec.nInit });
  const done = new Set((opts.done ?? []).map(taskKey));
  const tasks = gridShare(sweepTasks(spec.k.min, spec.k.max, spec.nInit), share.index, share.count).filter(
    (t) => !done.has(taskKey(t)),
  );
  const dataHash = hashTable(table, spec.features);
  if (tasks.length === 0) return { dataHash, fits: [] };
  const pool = openPool(points, spec.workers ?? chooseWorkers(points, tasks.length));
  let finished = 0;
  try {
    const fits = await pool.restarts(tasks, restartSettings(points, { seed: spec.seed }), (r) => {
      finished++;
      opts.onProgress?.({ phase: 'restart', ...restartProgress(r, spec.nInit, finished, tasks.length) });
    });
    return { dataHash, fits };
  } finally {
    await pool.close();
  }
}

/** Throws unless `fits` are exactly the grid's tasks, fitted on these rows. */
function checkFits(spec: TrainSpec, fits: readonly GridFit[], dataHash: string, d: number): void {
  const other = fits.find((f) => f.dataHash !== dataHash);
  if (other) {
    throw new InputError(
      `the fit of k=${other.k} restart ${other.restart} was made on other rows (data hash ${other.dataHash}) ` +
        `than this pod read (${dataHash}): every pod must read the same rows in the same order, ` +
        'so give the query a deterministic order (ORDER BY)',
    );
  }
  const expected = sweepTasks(spec.k.min, spec.k.max, spec.nInit).map(taskKey);
  const have = new Set(fits.map(taskKey));
  const missing = expected.filter((key) => !have.has(key));
  if (missing.length > 0 || have.size !== expected.length || fits.length !== expected.length) {
    throw new Error(
      `cannot gather: ${fits.length} fits for a grid of ${expected.length} (missing k/restart: ${missing.slice(0, 5).join(', ') || 'none'})`,
    );
  }
  const bad = fits.find((f) => f.centroids.length !== f.k * d);
  if (bad)
    throw new Error(
      `the fit of k=${bad.k} has ${bad.centroids.length} centroid values, expected ${bad.k * d}`,
    );
}

/**
 * The model of a grid fitted in shares: the best fit per k, its labels from its centroids, then
 * k chosen, named and assembled exactly as trainModel does.
 */
export async function trainFromFits(
  table: Table,
  spec: TrainSpec,
  fits: readonly GridFit[],
  opts: TrainOptions = {},
): Promise<ModelArtifact> {
  const started = Date.now();
  requireSweep(spec);
  const input = trainingInput(table, spec);
  const { points } = input;
  checkFits(spec, fits, hashTable(table, spec.features), points.d);
  const winners = [...bestPerK(fits).values()].map((f) => winnerOf(points, f.k, f.centroids));
  opts.onProgress?.({ phase: 'metrics', ks: winners.map((w) => w.k), silhouetteRows: input.silhouetteRows });
  const pool = openPool(points, spec.workers ?? chooseWorkers(points, winners.length));
  try {
    const choice = await chooseK(pool, points, winners, input.silOpts);
    return artifactOfChoice(table, spec, input, choice, started, opts);
  } finally {
    await pool.close();
  }
}
