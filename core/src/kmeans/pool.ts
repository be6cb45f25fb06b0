// Runs k-means restarts on worker threads. The points go into a SharedArrayBuffer once, so
// workers read them without copies; each task is one (k, restart) pair and results come back
// with their buffers transferred. With one worker (or tiny inputs) everything runs in-thread.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { resolveWorkerEntry, startWorker } from '../workers/entry.ts';
import { toRows, type LloydOptions } from './lloyd.ts';
import type { Points } from './points.ts';
import { runRestart, type RestartResult, type RestartTask } from './restart.ts';

export interface PoolInit {
  buffer: SharedArrayBuffer;
  n: number;
  d: number;
  seed: number;
  lloyd: LloydOptions;
}

export type PoolReply = { ok: true; result: RestartResult } | { ok: false; message: string };

export interface RunOptions {
  seed: number;
  lloyd: LloydOptions;
  /** Worker threads to use; 0 or 1 runs in the calling thread. Default: chooseWorkers(). */
  workers?: number;
  /** Called once per finished restart, in completion order. */
  onResult?: (r: RestartResult) => void;
}

const WORKER_ENTRY = resolveWorkerEntry({
  source: new URL('./restart-worker.ts', import.meta.url),
  bundled: new URL('./kmeans-worker.mjs', import.meta.url),
});

/** Without a worker entry on disk the restarts run in the calling thread: slower, same result. */
export function workersAvailable(): boolean {
  return WORKER_ENTRY !== undefined;
}

/**
 * Threads pay off only when a restart costs much more than starting a worker and copying the
 * rows into it (tens of milliseconds), i.e. on inputs of tens of thousands of values and up.
 */
export function chooseWorkers(points: Points, tasks: number): number {
  if (points.n * points.d < 50_000 || tasks < 2 || !workersAvailable()) return 1;
  return Math.max(1, Math.min(availableParallelism(), tasks));
}

export async function runRestarts(
  points: Points,
  tasks: RestartTask[],
  opts: RunOptions,
): Promise<RestartResult[]> {
  const workers = opts.workers ?? chooseWorkers(points, tasks.length);
  if (workers <= 1 || !workersAvailable()) {
    const rows = toRows(points);
    const out: RestartResult[] = [];
    for (const task of tasks) {
      const r = runRestart(points, rows, task, opts.seed, opts.lloyd);
      opts.onResult?.(r);
      out.push(r);
      // Let timers and signals run between restarts on long sweeps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return out;
  }
  return runOnWorkers(points, tasks, workers, opts);
}

function shared(points: Points): SharedArrayBuffer {
  if (points.values.buffer instanceof SharedArrayBuffer && points.values.byteOffset === 0) {
    return points.values.buffer;
  }
  const buffer = new SharedArrayBuffer(points.n * points.d * 8);
  new Float64Array(buffer).set(points.values.subarray(0, points.n * points.d));
  return buffer;
}

async function runOnWorkers(
  points: Points,
  tasks: RestartTask[],
  count: number,
  opts: RunOptions,
): Promise<RestartResult[]> {
  const init: PoolInit = {
    buffer: shared(points),
    n: points.n,
    d: points.d,
    seed: opts.seed,
    lloyd: opts.lloyd,
  };
  // Largest k first: the longest tasks start early, which evens out the finish.
  const queue = [...tasks].sort((a, b) => b.k - a.k || a.restart - b.restart);
  const results: RestartResult[] = [];
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (!failed) {
          failed = true;
          reject(err);
        }
      };
      const feed = (w: Worker) => {
        const task = queue.shift();
        if (!task) {
          if (running === 0) resolve();
          return;
        }
        running++;
        w.postMessage(task);
      };
      for (let i = 0; i < count; i++) {
        const w = startWorker(WORKER_ENTRY!, { workerData: init, execArgv: [] });
        workers.push(w);
        w.on('message', (reply: PoolReply) => {
          running--;
          if (!reply.ok) return fail(new Error(`k-means worker failed: ${reply.message}`));
          results.push(reply.result);
          opts.onResult?.(reply.result);
          feed(w);
        });
        w.on('error', fail);
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`k-means worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
