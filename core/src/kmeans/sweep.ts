// k-means over a range of k with nInit restarts each, keeping the lowest inertia per k. The sweep
// is a list of independent (k, restart) tasks (sweepTasks), each seeded from the run seed and its
// own indices, so the tasks can be split across threads or processes and gathered with bestPerK.
import { InputError } from '../data/input-error.ts';
import { DEFAULT_INIT, type InitOptions } from './init.ts';
import { kmeansTolerance } from './lloyd.ts';
import { countDistinct, type Points } from './points.ts';
import { chooseWorkers, openPool, type KMeansPool } from './pool.ts';
import type { RestartResult, RestartSettings, RestartTask } from './restart.ts';

export interface SweepOptions {
  kMin: number;
  kMax: number;
  nInit: number;
  seed: number;
  /** Relative tolerance, as scikit-learn's `tol` (default 1e-4). */
  tolerance?: number;
  /** Per run, as scikit-learn's `max_iter` (default 300). */
  maxIterations?: number;
  /** How each restart picks its initial centroids (default DEFAULT_INIT). */
  init?: InitOptions;
  /** Worker threads; default chosen from the input size and the machine. Ignored with `pool`. */
  workers?: number;
  /** Run on this pool (the caller closes it); default: a pool opened and closed for this sweep. */
  pool?: KMeansPool;
  onProgress?: (event: RestartProgress) => void;
}

export interface RestartProgress {
  k: number;
  restart: number;
  nInit: number;
  inertia: number;
  iterations: number;
  sampleIterations: number;
  seedingMs: number;
  lloydMs: number;
  /** Thread that ran the restart (0: the calling thread). */
  thread: number;
  /** Restarts finished so far over the whole sweep, and their total. */
  done: number;
  total: number;
}

/** The progress event of a finished restart, the `done`th of `total`. */
export function restartProgress(
  r: RestartResult,
  nInit: number,
  done: number,
  total: number,
): RestartProgress {
  return {
    k: r.k,
    restart: r.restart,
    nInit,
    inertia: r.inertia,
    iterations: r.iterations,
    sampleIterations: r.sampleIterations,
    seedingMs: r.seedingMs,
    lloydMs: r.lloydMs,
    thread: r.thread,
    done,
    total,
  };
}

/** Best restart per k (lowest inertia; ties go to the lower restart index, so runs are reproducible). */
export type SweepResult = Map<number, RestartResult>;

/** Thrown for a k that cannot be fitted on these points; the message is meant for the user. */
export class KMeansInputError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'KMeansInputError';
  }
}

/** Every (k, restart) pair of the sweep, k ascending, then restart. */
export function sweepTasks(kMin: number, kMax: number, nInit: number): RestartTask[] {
  const tasks: RestartTask[] = [];
  for (let k = kMin; k <= kMax; k++) for (let r = 0; r < nInit; r++) tasks.push({ k, restart: r });
  return tasks;
}

/**
 * The tasks share `index` of `count` runs: task i goes to share i mod count. Interleaving gives
 * every share restarts of small and large k alike, so shares cost about the same.
 */
export function gridShare<T>(tasks: readonly T[], index: number, count: number): T[] {
  if (!Number.isInteger(count) || count < 1 || count > tasks.length) {
    throw new KMeansInputError(`the grid of ${tasks.length} tasks cannot be split into ${count} shares`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new KMeansInputError(`share index ${index} is outside 0..${count - 1}`);
  }
  return tasks.filter((_, i) => i % count === index);
}

/** What every restart of a sweep over these points shares: seed, stopping rule, seeding. */
export function restartSettings(
  points: Points,
  opts: Pick<SweepOptions, 'seed' | 'tolerance' | 'maxIterations' | 'init'>,
): RestartSettings {
  return {
    seed: opts.seed,
    lloyd: {
      tol: kmeansTolerance(points, opts.tolerance ?? 1e-4),
      maxIterations: opts.maxIterations ?? 300,
    },
    init: opts.init ?? DEFAULT_INIT,
  };
}

/**
 * The lowest-inertia restart of each k, k ascending; ties go to the lower restart index. Depends
 * only on the set of results, not their order, so results gathered from anywhere give the same answer.
 */
export function bestPerK<T extends Pick<RestartResult, 'k' | 'restart' | 'inertia'>>(
  results: Iterable<T>,
): Map<number, T> {
  const best = new Map<number, T>();
  for (const r of results) {
    const cur = best.get(r.k);
    if (!cur || r.inertia < cur.inertia || (r.inertia === cur.inertia && r.restart < cur.restart))
      best.set(r.k, r);
  }
  return new Map([...best].sort((a, b) => a[0] - b[0]));
}

/** Throws KMeansInputError when the range cannot be fitted on these points. */
export function validateSweep(points: Points, opts: Pick<SweepOptions, 'kMin' | 'kMax' | 'nInit'>): void {
  const { kMin, kMax, nInit } = opts;
  if (!Number.isInteger(kMin) || !Number.isInteger(kMax) || kMin < 1 || kMax < kMin) {
    throw new KMeansInputError(`invalid k range ${kMin}..${kMax}: expected integers with 1 <= min <= max`);
  }
  if (!Number.isInteger(nInit) || nInit < 1)
    throw new KMeansInputError(`nInit must be a positive integer, got ${nInit}`);
  if (kMax > points.n) {
    throw new KMeansInputError(`k = ${kMax} is larger than the number of rows (${points.n})`);
  }
  // k distinct centroids need k distinct rows; otherwise clusters would coincide or stay empty.
  const distinct = countDistinct(points, kMax);
  if (distinct < kMax) {
    throw new KMeansInputError(`k = ${kMax} is larger than the number of distinct rows (${distinct})`);
  }
}

export async function kmeansSweep(points: Points, opts: SweepOptions): Promise<SweepResult> {
  validateSweep(points, opts);
  const { nInit } = opts;
  const tasks = sweepTasks(opts.kMin, opts.kMax, nInit);
  const pool = opts.pool ?? openPool(points, opts.workers ?? chooseWorkers(points, tasks.length));
  let done = 0;
  try {
    const results = await pool.restarts(tasks, restartSettings(points, opts), (r) => {
      done++;
      opts.onProgress?.(restartProgress(r, nInit, done, tasks.length));
    });
    return bestPerK(results);
  } finally {
    if (!opts.pool) await pool.close();
  }
}
