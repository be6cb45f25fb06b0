// Worker-thread side of computeDriftParallel: tests the columns it is sent, one message each.
import { parentPort, threadId } from 'node:worker_threads';
import { columnDrift, type ColumnDrift, type DriftColumn } from './column.ts';
import type { DriftOptions } from './choose.ts';

export interface DriftTask {
  index: number;
  reference: DriftColumn;
  current: DriftColumn;
  options: DriftOptions;
}

export type DriftTaskResult =
  | { index: number; ok: true; result: ColumnDrift; thread: number }
  | { index: number; ok: false; name: string; message: string };

if (!parentPort) throw new Error('drift worker must run in a worker thread');
const port = parentPort;
port.on('message', (task: DriftTask) => {
  let reply: DriftTaskResult;
  try {
    const result = columnDrift(task.reference, task.current, task.options);
    reply = { index: task.index, ok: true, result, thread: threadId };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { index: task.index, ok: false, name: e.name, message: e.message };
  }
  port.postMessage(reply);
});
