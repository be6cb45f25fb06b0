// One restart of one k: greedy k-means++ seeds, then Lloyd iterations. The restart's seed is
// derived from (run seed, k, restart index), so the result does not depend on which thread ran it.
import { threadId } from 'node:worker_threads';
import { createRng, deriveSeed } from '../random/rng.ts';
import { lloyd, type LloydOptions, type LloydResult } from './lloyd.ts';
import type { Points } from './points.ts';
import { kmeansPlusPlus } from './seeding.ts';

export interface RestartTask {
  k: number;
  restart: number;
}

export interface RestartResult extends LloydResult {
  k: number;
  restart: number;
  /** Time spent in k-means++ seeding and in the Lloyd iterations (for benchmarks). */
  seedingMs: number;
  lloydMs: number;
  /** worker_threads threadId that ran the restart (0: the main thread). */
  thread: number;
}

export function runRestart(
  points: Points,
  rows: number[][],
  task: RestartTask,
  seed: number,
  opts: LloydOptions,
): RestartResult {
  const rng = createRng(deriveSeed(seed, task.k, task.restart));
  const t0 = performance.now();
  const init = kmeansPlusPlus(points, task.k, rng);
  const t1 = performance.now();
  const result = lloyd(points, rows, init, task.k, opts);
  const t2 = performance.now();
  return {
    k: task.k,
    restart: task.restart,
    ...result,
    seedingMs: t1 - t0,
    lloydMs: t2 - t1,
    thread: threadId,
  };
}
