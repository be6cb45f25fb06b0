// Worker side of the k-means pool: holds the shared points and runs the jobs it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { toRows } from './lloyd.ts';
import type { Points } from './points.ts';
import { runJob, transferOf, type PoolInit, type PoolJob, type PoolReply } from './pool-jobs.ts';

const init = workerData as PoolInit;
const points: Points = { values: new Float64Array(init.buffer), n: init.n, d: init.d };
let rows: number[][] | undefined;
const port = parentPort;
if (!port) throw new Error('restart-worker must run in a worker thread');

port.on('message', (job: PoolJob) => {
  try {
    const reply = runJob(points, () => (rows ??= toRows(points)), job);
    port.postMessage(reply, transferOf(reply));
  } catch (err) {
    const reply: PoolReply = {
      ok: false,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
    port.postMessage(reply);
  }
});
