// One restart of one k: initial centroids (see init.ts), then Lloyd iterations on all rows. The
// restart's seed is derived from (run seed, k, restart index) alone, so a restart gives the same
// result whichever thread, process or pod runs it, and any subset of a sweep's tasks can be run
// apart and gathered (bestPerK in sweep.ts) into the same answer.
import { threadId } from 'node:worker_threads';
import { createRng, deriveSeed } from '../random/rng.ts';
import { initialCentroids, type InitOptions } from './init.ts';
import { lloyd, type LloydOptions, type LloydResult } from './lloyd.ts';
import type { Points } from './points.ts';

export interface RestartTask {
  k: number;
  restart: number;
}

/** Everything a restart depends on besides the points and its task. */
export interface RestartSettings {
  seed: number;
  lloyd: LloydOptions;
  init: InitOptions;
}

export interface RestartResult extends LloydResult {
  k: number;
  restart: number;
  /** Lloyd iterations on the sample while choosing the initial centroids. */
  sampleIterations: number;
  /** Time spent choosing the initial centroids and in the Lloyd iterations on all rows (for benchmarks). */
  seedingMs: number;
  lloydMs: number;
  /** worker_threads threadId that ran the restart (0: the main thread). */
  thread: number;
}

export function runRestart(
  points: Points,
  rows: number[][],
  task: RestartTask,
  settings: RestartSettings,
): RestartResult {
  const rng = createRng(deriveSeed(settings.seed, task.k, task.restart));
  const t0 = performance.now();
  const init = initialCentroids(points, task.k, rng, settings.init, settings.lloyd);
  const t1 = performance.now();
  const result = lloyd(points, rows, init.centroids, task.k, settings.lloyd);
  const t2 = performance.now();
  return {
    k: task.k,
    restart: task.restart,
    ...result,
    sampleIterations: init.sampleIterations,
    seedingMs: t1 - t0,
    lloydMs: t2 - t1,
    thread: threadId,
  };
}
