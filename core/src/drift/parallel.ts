// computeDrift across worker threads, one column at a time per worker. Worth it only for big
// inputs (the predictor's logged traffic over a long window): columns are independent and
// sorting dominates, so the speed-up is close to the number of threads.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ColumnDrift } from './column.ts';
import { DriftInputError, type DriftOptions } from './choose.ts';
import {
  computeDrift,
  pairColumns,
  summarise,
  type DriftReport,
  type DriftTable,
  type PairedColumns,
} from './index.ts';
import type { DriftTask, DriftTaskResult } from './worker.ts';

const WORKER_ENTRY = new URL('./worker.ts', import.meta.url);

export interface ParallelOptions {
  /** Worker threads; default: the machine's available parallelism, at most one per column. */
  threads?: number;
}

/** Same result as computeDrift, with the columns tested in worker threads. */
export async function computeDriftParallel(
  reference: DriftTable,
  current: DriftTable,
  options: DriftOptions = {},
  parallel: ParallelOptions = {},
  now: Date = new Date(),
): Promise<DriftReport> {
  const threads = Math.min(parallel.threads ?? availableParallelism(), reference.columns.length);
  if (threads <= 1 || !workersAvailable()) return computeDrift(reference, current, options, now);
  const { pairs, referenceRows, currentRows } = pairColumns(reference, current, options);
  const results = await testColumnsParallel(pairs, options, threads);
  return summarise(results, options, referenceRows, currentRows, now);
}

/** Bundled into one file (the container image) there is no worker module to start. */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_ENTRY));
}

/** columnDrift of every pair, spread over `threads` worker threads; results in pair order. */
export async function testColumnsParallel(
  pairs: PairedColumns['pairs'],
  options: DriftOptions,
  threads: number,
): Promise<ColumnDrift[]> {
  const tasks: DriftTask[] = pairs.map((p, index) => ({ index, ...p, options }));
  const results = new Array<ColumnDrift>(tasks.length);
  const workers = Array.from({ length: Math.min(threads, tasks.length) }, startWorker);
  try {
    let next = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= tasks.length) return resolve();
              worker.postMessage(tasks[next++]);
            };
            worker.on('message', (msg: DriftTaskResult) => {
              if (!msg.ok) {
                return reject(
                  msg.name === 'DriftInputError' ? new DriftInputError(msg.message) : new Error(msg.message),
                );
              }
              results[msg.index] = msg.result;
              send();
            });
            worker.on('error', reject);
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

// Node 20 loads a worker's entry module before any --import hook runs, so a .ts entry fails
// even under tsx. A tiny eval'd bootstrap registers tsx in the worker, then imports it.
function startWorker(): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = WORKER_ENTRY.href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}
