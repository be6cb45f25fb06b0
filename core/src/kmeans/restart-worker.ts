// Worker side of the restart pool: holds the shared points and runs restarts on request.
import { parentPort, workerData } from 'node:worker_threads';
import { toRows } from './lloyd.ts';
import type { Points } from './points.ts';
import { runRestart, type RestartTask } from './restart.ts';
import type { PoolInit, PoolReply } from './pool.ts';

const init = workerData as PoolInit;
const points: Points = { values: new Float64Array(init.buffer), n: init.n, d: init.d };
const rows = toRows(points);
const port = parentPort;
if (!port) throw new Error('restart-worker must run in a worker thread');

port.on('message', (task: RestartTask) => {
  try {
    const result = runRestart(points, rows, task, init.seed, init.lloyd);
    const reply: PoolReply = { ok: true, result };
    port.postMessage(reply, [result.centroids.buffer as ArrayBuffer, result.labels.buffer as ArrayBuffer]);
  } catch (err) {
    const reply: PoolReply = {
      ok: false,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    };
    port.postMessage(reply);
  }
});
