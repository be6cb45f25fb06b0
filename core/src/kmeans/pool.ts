// The training work of a sweep on worker threads: k-means restarts, seeds refined on a sample,
// the silhouette pair pass, and placing streamed rows among fixed centroids.
// The points go into a SharedArrayBuffer once, so workers read them without copies; jobs are
// queued in submission order and each idle worker takes the next one. One pool serves both
// phases of a training run, so workers start once. With one worker (or tiny inputs) everything
// runs in the calling thread with the same functions, hence the same results.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import {
  accumulatePairs,
  finishSilhouette,
  silhouetteInput,
  type Labeling,
  type SilhouetteInput,
  type SilhouetteOptions,
} from '../cluster-metrics/silhouette.ts';
import { resolveWorkerEntry, startWorker } from '../workers/entry.ts';
import { toRows } from './lloyd.ts';
import type { Points } from './points.ts';
import {
  assignRows,
  runJob,
  shared,
  type Assigned,
  type Centroids,
  type PoolInit,
  type PoolJob,
  type PoolReply,
  type SeedTask,
} from './pool-jobs.ts';
import { runRestart, type RestartResult, type RestartSettings, type RestartTask } from './restart.ts';

export interface KMeansPool {
  /** Worker threads; 0 when the jobs run in the calling thread. */
  readonly workers: number;
  /** Runs the restarts; results in completion order, each also passed to onResult as it arrives. */
  restarts(
    tasks: readonly RestartTask[],
    settings: RestartSettings,
    onResult?: (r: RestartResult) => void,
  ): Promise<RestartResult[]>;
  /** Mean silhouette per labeling (as silhouetteScores), the pair pass split over the workers. */
  silhouettes(labelings: readonly Labeling[], opts?: SilhouetteOptions): Promise<(number | null)[]>;
  /** Seeds refined on the pool's points, one set per task, in task order. */
  seeds(tasks: readonly SeedTask[]): Promise<{ centroids: Float64Array; thread: number }[]>;
  /**
   * Inertia and rows per centroid of `rows` for every model. The rows' buffer may move to a
   * worker: the caller must not use `rows` afterwards.
   */
  assign(rows: Points, models: readonly Centroids[]): Promise<Assigned>;
  close(): Promise<void>;
}

const WORKER_ENTRY = resolveWorkerEntry({
  source: new URL('./restart-worker.ts', import.meta.url),
  bundled: new URL('./kmeans-worker.mjs', import.meta.url),
});

/** Without a worker entry on disk the jobs run in the calling thread: slower, same result. */
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

/** A pool over these points with `workers` threads (0 or 1: the calling thread). */
export function openPool(points: Points, workers: number): KMeansPool {
  return workers <= 1 || !workersAvailable() ? new InThreadPool(points) : new WorkerPool(points, workers);
}

// Largest k first: the longest tasks start early, which evens out the finish across threads.
const longestFirst = (tasks: readonly RestartTask[]): RestartTask[] =>
  [...tasks].sort((a, b) => b.k - a.k || a.restart - b.restart);

/**
 * The pair pass in a fixed number of interleaved shares (row i pairs with s - i - 1 others, so
 * interleaving gives similar shares), summed in share order: the result is the same bit for bit
 * whatever the number of threads that ran the shares.
 */
const SHARES = 4;

async function silhouettesInShares(
  input: SilhouetteInput,
  share: (first: number, step: number) => Promise<Float64Array[]>,
): Promise<(number | null)[]> {
  const [total, ...rest] = await Promise.all(
    Array.from({ length: SHARES }, (_, first) => share(first, SHARES)),
  );
  for (const part of rest) {
    total.forEach((t, m) => {
      const p = part[m];
      for (let i = 0; i < t.length; i++) t[i] += p[i];
    });
  }
  return finishSilhouette(input, total);
}

class InThreadPool implements KMeansPool {
  readonly workers = 0;
  private rowsCache?: number[][];
  constructor(private readonly points: Points) {}

  private rows = (): number[][] => (this.rowsCache ??= toRows(this.points));

  async restarts(
    tasks: readonly RestartTask[],
    settings: RestartSettings,
    onResult?: (r: RestartResult) => void,
  ): Promise<RestartResult[]> {
    const out: RestartResult[] = [];
    for (const task of longestFirst(tasks)) {
      const r = runRestart(this.points, this.rows(), task, settings);
      onResult?.(r);
      out.push(r);
      // Let timers and signals run between restarts on long sweeps.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return out;
  }

  async silhouettes(
    labelings: readonly Labeling[],
    opts: SilhouetteOptions = {},
  ): Promise<(number | null)[]> {
    const input = silhouetteInput(this.points, labelings, opts);
    return silhouettesInShares(input, async (first, step) => accumulatePairs(input, first, step));
  }

  async seeds(tasks: readonly SeedTask[]): Promise<{ centroids: Float64Array; thread: number }[]> {
    const out: { centroids: Float64Array; thread: number }[] = [];
    for (const task of tasks) {
      const reply = runJob(this.points, this.rows, { kind: 'seeds', task });
      if (!reply.ok || reply.kind !== 'seeds') throw new Error('seeding answered with another kind of reply');
      out.push(reply);
    }
    return out;
  }

  async assign(rows: Points, models: readonly Centroids[]): Promise<Assigned> {
    return assignRows(rows, models);
  }

  async close(): Promise<void> {}
}

interface Pending {
  job: PoolJob;
  transfer: ArrayBuffer[];
  resolve: (reply: PoolReply & { ok: true }) => void;
  reject: (err: Error) => void;
}

class WorkerPool implements KMeansPool {
  readonly workers: number;
  private readonly threads: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<Worker, Pending>();
  private failure?: Error;

  constructor(
    private readonly points: Points,
    count: number,
  ) {
    this.workers = count;
    const init: PoolInit = { buffer: shared(points), n: points.n, d: points.d };
    for (let i = 0; i < count; i++) {
      const w = startWorker(WORKER_ENTRY!, { workerData: init, execArgv: [] });
      this.threads.push(w);
      this.idle.push(w);
      w.on('message', (reply: PoolReply) => {
        const job = this.running.get(w);
        this.running.delete(w);
        if (!reply.ok) return this.fail(new Error(`k-means worker failed: ${reply.message}`));
        job?.resolve(reply);
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`k-means worker exited with code ${code}`));
      });
    }
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of [...this.running.values(), ...this.queue.splice(0)]) p.reject(err);
    this.running.clear();
  }

  private pump(): void {
    while (!this.failure && this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.shift()!;
      const p = this.queue.shift()!;
      this.running.set(w, p);
      w.postMessage(p.job, p.transfer);
    }
  }

  private submit(job: PoolJob, transfer: ArrayBuffer[] = []): Promise<PoolReply & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ job, transfer, resolve, reject });
      this.pump();
    });
  }

  async restarts(
    tasks: readonly RestartTask[],
    settings: RestartSettings,
    onResult?: (r: RestartResult) => void,
  ): Promise<RestartResult[]> {
    const out: RestartResult[] = [];
    await Promise.all(
      longestFirst(tasks).map(async (task) => {
        const reply = await this.submit({ kind: 'restart', task, settings });
        if (reply.kind !== 'restart') throw new Error('k-means worker answered a restart with pair sums');
        out.push(reply.result);
        onResult?.(reply.result);
      }),
    );
    return out;
  }

  async silhouettes(
    labelings: readonly Labeling[],
    opts: SilhouetteOptions = {},
  ): Promise<(number | null)[]> {
    const input = silhouetteInput(this.points, labelings, opts);
    return silhouettesInShares(input, async (first, step) => {
      const reply = await this.submit({ kind: 'pairs', input, first, step });
      if (reply.kind !== 'pairs') throw new Error('k-means worker answered pair sums with a restart');
      return reply.sums;
    });
  }

  async seeds(tasks: readonly SeedTask[]): Promise<{ centroids: Float64Array; thread: number }[]> {
    return Promise.all(
      tasks.map(async (task) => {
        const reply = await this.submit({ kind: 'seeds', task });
        if (reply.kind !== 'seeds')
          throw new Error('k-means worker answered seeding with another kind of reply');
        return reply;
      }),
    );
  }

  async assign(rows: Points, models: readonly Centroids[]): Promise<Assigned> {
    const { values } = rows;
    // Moved rather than copied when the rows own their whole buffer.
    const movable =
      values.buffer instanceof ArrayBuffer &&
      values.byteOffset === 0 &&
      values.byteLength === values.buffer.byteLength;
    const reply = await this.submit(
      { kind: 'assign', rows, models: [...models] },
      movable ? [values.buffer] : [],
    );
    if (reply.kind !== 'assign')
      throw new Error('k-means worker answered an assignment with another kind of reply');
    return reply.assigned;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}
