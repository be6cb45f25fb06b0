// k-means over a range of k with nInit restarts each, keeping the lowest inertia per k.
import { InputError } from '../data/input-error.ts';
import type { LloydOptions } from './lloyd.ts';
import { kmeansTolerance } from './lloyd.ts';
import { countDistinct, type Points } from './points.ts';
import { runRestarts } from './pool.ts';
import type { RestartResult, RestartTask } from './restart.ts';

export interface SweepOptions {
  kMin: number;
  kMax: number;
  nInit: number;
  seed: number;
  /** Relative tolerance, as scikit-learn's `tol` (default 1e-4). */
  tolerance?: number;
  /** Per run, as scikit-learn's `max_iter` (default 300). */
  maxIterations?: number;
  /** Worker threads; default chosen from the input size and the machine. */
  workers?: number;
  onProgress?: (event: RestartProgress) => void;
}

export interface RestartProgress {
  k: number;
  restart: number;
  nInit: number;
  inertia: number;
  iterations: number;
  seedingMs: number;
  lloydMs: number;
  /** Thread that ran the restart (0: the calling thread). */
  thread: number;
  /** Restarts finished so far over the whole sweep, and their total. */
  done: number;
  total: number;
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

export async function kmeansSweep(points: Points, opts: SweepOptions): Promise<SweepResult> {
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
  const lloyd: LloydOptions = {
    tol: kmeansTolerance(points, opts.tolerance ?? 1e-4),
    maxIterations: opts.maxIterations ?? 300,
  };
  const tasks: RestartTask[] = [];
  for (let k = kMin; k <= kMax; k++) for (let r = 0; r < nInit; r++) tasks.push({ k, restart: r });
  let done = 0;
  const results = await runRestarts(points, tasks, {
    seed: opts.seed,
    lloyd,
    workers: opts.workers,
    onResult: (r) => {
      done++;
      opts.onProgress?.({
        k: r.k,
        restart: r.restart,
        nInit,
        inertia: r.inertia,
        iterations: r.iterations,
        seedingMs: r.seedingMs,
        lloydMs: r.lloydMs,
        thread: r.thread,
        done,
        total: tasks.length,
      });
    },
  });
  const best: SweepResult = new Map();
  for (const r of results) {
    const cur = best.get(r.k);
    if (!cur || r.inertia < cur.inertia || (r.inertia === cur.inertia && r.restart < cur.restart))
      best.set(r.k, r);
  }
  return new Map([...best].sort((a, b) => a[0] - b[0]));
}
