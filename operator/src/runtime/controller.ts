// Runs one controller: its work queue, its workers and its metrics. A controller is the
// informers it reads (registered in `setup`) and a level-triggered reconcile keyed by
// namespace/name; the manager hosts any number of them and starts their workers only
// while this process leads.
import { describeApiError } from './k8s-errors.ts';
import type { Logger } from './logger.ts';
import { workQueueMetrics, type OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './workqueue.ts';

export interface ReconcileResult {
  /** Reconcile this key again after this long even if nothing changes (a schedule, a deadline). */
  requeueAfterMs?: number;
}

export interface Controller {
  name: string;
  /** Subscribes to the stores it needs; `enqueue` queues a namespace/name key. */
  setup(enqueue: (key: string) => void): void;
  /** Every key the controller knows of, queued once this process becomes the leader. */
  keys(): string[];
  reconcile(key: string): Promise<ReconcileResult | void>;
}

/**
 * Concurrent reconciles per controller unless told otherwise. A reconcile mostly waits on the
 * API server and the registry (bench:scale: the operator used a fifth of one core while its
 * queue held every model), so more of them in flight is what moves a long queue; the registry
 * pool grows with them (registryPoolSize).
 */
export const DEFAULT_WORKERS = 16;

export interface ControllerRunnerOptions {
  workers?: number;
  metrics: OperatorMetrics;
  logger: Logger;
}

export class ControllerRunner {
  readonly queue: WorkQueue<string>;
  private running: Promise<void>[] = [];
  private readonly logger: Logger;
  private active = false;
  private resumeWaiters: (() => void)[] = [];
  /** Keys a worker took while paused: handed back on resume. */
  private readonly parked = new Set<string>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly controller: Controller,
    private readonly opts: ControllerRunnerOptions,
  ) {
    this.logger = opts.logger.child({ controller: controller.name });
    this.queue = new WorkQueue<string>({ metrics: workQueueMetrics(opts.metrics, controller.name) });
    // Every series at zero from the start, as controller-runtime does: rates work from the first scrape.
    const labels = { controller: controller.name };
    for (const result of ['success', 'error', 'requeue', 'requeue_after'])
      opts.metrics.reconciles.inc({ ...labels, result }, 0);
    opts.metrics.reconcileErrors.inc(labels, 0);
    opts.metrics.activeWorkers.set(labels, 0);
    controller.setup((key) => this.queue.add(key));
  }

  /**
   * Starts (or resumes) the workers and queues every known key: a new leader checks
   * everything once, since it cannot know what happened while it was not leading.
   */
  start(): void {
    if (this.queue.isShuttingDown) return;
    this.active = true;
    for (const key of [...this.parked, ...this.controller.keys()]) this.queue.add(key);
    this.parked.clear();
    if (this.running.length === 0) {
      const n = this.opts.workers ?? DEFAULT_WORKERS;
      this.opts.metrics.maxConcurrentReconciles.set({ controller: this.controller.name }, n);
      for (let i = 0; i < n; i++) this.running.push(this.work());
    }
    for (const wake of this.resumeWaiters.splice(0)) wake();
  }

  /** Leadership lost: no new reconciles until start(); resolves when none is in flight. */
  async pause(): Promise<void> {
    this.active = false;
    if (this.inFlight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Stops taking keys and waits for the reconciles in flight. */
  async stop(): Promise<void> {
    this.active = false;
    this.queue.shutDown();
    for (const wake of this.resumeWaiters.splice(0)) wake();
    await Promise.all(this.running);
    this.running = [];
  }

  private async work(): Promise<void> {
    for (;;) {
      while (!this.active && !this.queue.isShuttingDown) {
        await new Promise<void>((r) => this.resumeWaiters.push(r));
      }
      const key = await this.queue.get();
      if (key === undefined) return;
      if (!this.active) {
        this.queue.done(key);
        this.parked.add(key);
        continue;
      }
      this.inFlight++;
      try {
        await this.processOne(key);
      } finally {
        if (--this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  private async processOne(key: string): Promise<void> {
    const { metrics } = this.opts;
    const name = this.controller.name;
    const end = metrics.reconcileTime.startTimer({ controller: name });
    metrics.activeWorkers.inc({ controller: name });
    try {
      const result = await this.controller.reconcile(key);
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics.reconciles.inc({ controller: name, result: 'requeue_after' });
      } else metrics.reconciles.inc({ controller: name, result: 'success' });
    } catch (err) {
      metrics.reconciles.inc({ controller: name, result: 'error' });
      metrics.reconcileErrors.inc({ controller: name });
      this.logger.warn(
        { key, err: describeApiError(err), retries: this.queue.numRequeues(key) },
        'reconcile failed; retrying with backoff',
      );
      if (!this.queue.isShuttingDown) this.queue.addRateLimited(key);
    } finally {
      end();
      metrics.activeWorkers.dec({ controller: name });
      this.queue.done(key);
    }
  }
}
