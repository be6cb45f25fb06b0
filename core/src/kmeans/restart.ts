// One restart of one k: greedy k-means++ seeds, then Lloyd iterations. The restart's seed is
// derived from (run seed, k, restart index), so the result does not depend on which thread ran it.
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
}

export function runRestart(
  points: Points,
  rows: number[][],
  task: RestartTask,
  seed: number,
  opts: LloydOptions,
): RestartResult {
  const rng = createRng(deriveSeed(seed, task.k, task.restart));
  const init = kmeansPlusPlus(points, task.k, rng);
  return { k: task.k, restart: task.restart, ...lloyd(points, rows, init, task.k, opts) };
}
