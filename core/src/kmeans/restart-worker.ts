// Worker side of the k-means pool: holds the shared points and runs the jobs it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { toRows } from './lloyd.ts';
import type { Points } from './points.ts';
import { runJob, type PoolInit, type PoolJob, type PoolReply } from './pool-jobs.ts';

const init = workerData as PoolInit;
const points: Points = { values: new Float64Array(init.buffer), n: init.n, d: init.d };
let rows: number[][] | undefined;
const port = parentPort;
if (!port) throw new Error('restart-worker must run in a worker thread');

port.on('message', (job: PoolJob) => {
  try {
    const reply = runJob(points, () => (rows ??= toRows(points)), job);
    const transfer: ArrayBuffer[] =
      reply.ok && reply.kind === 'restart'
        ? [reply.result.centroids.buffer as ArrayBuffer, reply.result.labels.buffer as ArrayBuffer]
        : reply.ok && reply.kind === 'pairs'
          ? reply.sums.map((s) => s.buffer as ArrayBuffer)
          : [];
    port.postMessage(reply, transfer);
  } catch (err) {
    const reply: PoolReply = {
      ok: false,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
    port.postMessage(reply);
  }
});
