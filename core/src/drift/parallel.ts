// computeDrift across worker threads, one column at a time per worker. Worth it only for big
// inputs (the predictor's logged traffic over a long window): columns are independent and
// sorting dominates, so the speed-up is close to the number of threads.
import { availableParallelism } from 'node:os';
import { resolveWorkerEntry, startWorker } from '../workers/entry.ts';
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

const WORKER_ENTRY = resolveWorkerEntry({
  source: new URL('./worker.ts', import.meta.url),
  bundled: new URL('./drift-worker.mjs', import.meta.url),
});

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
  const { columns } = await testColumnsParallel(pairs, options, threads);
  return summarise(columns, options, referenceRows, currentRows, now);
}

/** False when neither the sources nor the bundle's drift-worker.mjs are on disk. */
export function workersAvailable(): boolean {
  return WORKER_ENTRY !== undefined;
}

export interface ParallelColumns {
  /** One result per pair, in pair order. */
  columns: ColumnDrift[];
  /** Distinct worker threads that tested at least one column. */
  threads: number;
}

/** columnDrift of every pair, spread over `threads` worker threads. */
export async function testColumnsParallel(
  pairs: PairedColumns['pairs'],
  options: DriftOptions,
  threads: number,
): Promise<ParallelColumns> {
  const tasks: DriftTask[] = pairs.map((p, index) => ({ index, ...p, options }));
  const results = new Array<ColumnDrift>(tasks.length);
  const ranOn = new Set<number>();
  const workers = Array.from({ length: Math.min(threads, tasks.length) }, () => startWorker(WORKER_ENTRY!));
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
              ranOn.add(msg.thread);
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
  return { columns: results, threads: ranOn.size };
}
