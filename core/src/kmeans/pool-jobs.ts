// The messages between the k-means pool and its workers, and the function a worker answers them
// with (the in-thread pool calls the same runRestart and accumulatePairs directly).
import { accumulatePairs, type SilhouetteInput } from '../cluster-metrics/silhouette.ts';
import type { Points } from './points.ts';
import { runRestart, type RestartResult, type RestartSettings, type RestartTask } from './restart.ts';

export interface PoolInit {
  buffer: SharedArrayBuffer;
  n: number;
  d: number;
}

export type PoolJob =
  | { kind: 'restart'; task: RestartTask; settings: RestartSettings }
  | { kind: 'pairs'; input: SilhouetteInput; first: number; step: number };

export type PoolReply =
  | { ok: true; kind: 'restart'; result: RestartResult }
  | { ok: true; kind: 'pairs'; sums: Float64Array[] }
  | { ok: false; message: string };

/** Runs one job; `rows` gives the points as ml-kmeans wants them, built on first use. */
export function runJob(points: Points, rows: () => number[][], job: PoolJob): PoolReply {
  if (job.kind === 'restart') {
    return { ok: true, kind: 'restart', result: runRestart(points, rows(), job.task, job.settings) };
  }
  return { ok: true, kind: 'pairs', sums: accumulatePairs(job.input, job.first, job.step) };
}

/** The points in a SharedArrayBuffer, which workers read without a copy. */
export function shared(points: Points): SharedArrayBuffer {
  if (points.values.buffer instanceof SharedArrayBuffer && points.values.byteOffset === 0) {
    return points.values.buffer;
  }
  const buffer = new SharedArrayBuffer(points.n * points.d * 8);
  new Float64Array(buffer).set(points.values.subarray(0, points.n * points.d));
  return buffer;
}
