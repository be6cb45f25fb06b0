// The messages between the k-means pool and its workers, and the function a worker answers them
// with (the in-thread pool calls the same functions directly).
import { threadId } from 'node:worker_threads';
import { accumulatePairs, type SilhouetteInput } from '../cluster-metrics/silhouette.ts';
import { createRng } from '../random/rng.ts';
import { refinedSeeds } from './init.ts';
import type { LloydOptions } from './lloyd.ts';
import { assign, type Points } from './points.ts';
import { runRestart, type RestartResult, type RestartSettings, type RestartTask } from './restart.ts';

export interface PoolInit {
  buffer: SharedArrayBuffer;
  n: number;
  d: number;
}

/** Seeds for one k refined on the pool's points (refinedSeeds), from an rng made of `seed`. */
export interface SeedTask {
  k: number;
  seed: number;
  candidates: number;
  lloyd: LloydOptions;
}

/** Fixed centroids to place rows among: k x d, row-major. */
export interface Centroids {
  k: number;
  centroids: Float64Array;
}

/** Per set of centroids: the summed squared distance of the rows to their nearest, and rows per centroid. */
export interface Assigned {
  inertia: Float64Array;
  counts: Float64Array[];
}

export type PoolJob =
  | { kind: 'restart'; task: RestartTask; settings: RestartSettings }
  | { kind: 'pairs'; input: SilhouetteInput; first: number; step: number }
  | { kind: 'seeds'; task: SeedTask }
  | { kind: 'assign'; rows: Points; models: Centroids[] };

export type PoolReply =
  | { ok: true; kind: 'restart'; result: RestartResult }
  | { ok: true; kind: 'pairs'; sums: Float64Array[] }
  | { ok: true; kind: 'seeds'; centroids: Float64Array; thread: number }
  | { ok: true; kind: 'assign'; assigned: Assigned }
  | { ok: false; message: string };

/** Places each row at its nearest centroid of every model. */
export function assignRows(rows: Points, models: readonly Centroids[]): Assigned {
  const labels = new Int32Array(rows.n);
  const inertia = new Float64Array(models.length);
  const counts = models.map((m, i) => {
    inertia[i] = assign(rows, m.centroids, m.k, labels);
    const c = new Float64Array(m.k);
    for (let r = 0; r < rows.n; r++) c[labels[r]]++;
    return c;
  });
  return { inertia, counts };
}

/** Runs one job; `rows` gives the points as ml-kmeans wants them, built on first use. */
export function runJob(points: Points, rows: () => number[][], job: PoolJob): PoolReply {
  switch (job.kind) {
    case 'restart':
      return { ok: true, kind: 'restart', result: runRestart(points, rows(), job.task, job.settings) };
    case 'pairs':
      return { ok: true, kind: 'pairs', sums: accumulatePairs(job.input, job.first, job.step) };
    case 'seeds': {
      const { k, seed, candidates, lloyd } = job.task;
      const { centroids } = refinedSeeds(points, k, createRng(seed), candidates, lloyd);
      return { ok: true, kind: 'seeds', centroids, thread: threadId };
    }
    case 'assign':
      return { ok: true, kind: 'assign', assigned: assignRows(job.rows, job.models) };
  }
}

/** The buffers of a reply that move to the receiving thread instead of being copied. */
export function transferOf(reply: PoolReply): ArrayBuffer[] {
  if (!reply.ok) return [];
  switch (reply.kind) {
    case 'restart':
      return [reply.result.centroids.buffer as ArrayBuffer, reply.result.labels.buffer as ArrayBuffer];
    case 'pairs':
      return reply.sums.map((s) => s.buffer as ArrayBuffer);
    case 'seeds':
      return [reply.centroids.buffer as ArrayBuffer];
    case 'assign':
      return [reply.assigned.inertia, ...reply.assigned.counts].map((a) => a.buffer as ArrayBuffer);
  }
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
