// A rate-limited work queue with client-go's semantics: a key is queued at most once
// (de-duplication), never handed to two workers at once (a key re-added while processing
// is queued again when its worker calls done), and failures retry with per-key exponential
// backoff combined with an overall token bucket so a broken cluster is not hammered.
// Hand-written because @kubernetes/client-node ships no work queue at all. Its metrics follow
// client-go's too: depth counts keys added and not yet handed out, the queue duration runs
// from the first add to the hand-out, the work duration from the hand-out to done.
import { backoffDelay } from './backoff.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/** The longest delay a Node timer honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface WorkQueueOptions {
  /** First retry delay of a failing key. */
  baseDelayMs?: number;
  /** Cap of a key's retry delay. */
  maxDelayMs?: number;
  /** Overall retry rate (tokens per second) and burst of the shared bucket. */
  qps?: number;
  burst?: number;
  clock?: Clock;
  metrics?: WorkQueueMetrics;
}

/** Where a queue reports what it does (see workQueueMetrics in metrics.ts). */
export interface WorkQueueMetrics {
  /** Keys added and not yet handed to a worker. */
  depth(n: number): void;
  /** A key was queued (not counted when it was already waiting). */
  added(): void;
  /** Seconds a key waited between its add and a worker taking it. */
  waited(seconds: number): void;
  /** Seconds a worker held a key, from taking it to done. */
  worked(seconds: number): void;
  /** A failed key was queued again with backoff. */
  retried(): void;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; timer: TimerHandle }>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  /** When each waiting key was first added, and when each key in flight was taken. */
  private readonly addedAt = new Map<K, number>();
  private readonly takenAt = new Map<K, number>();
  private readonly clock: Clock;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private tokensAt: number;
  private shuttingDown = false;

  constructor(private readonly opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 300_000;
    this.qps = opts.qps ?? 10;
    this.burst = opts.burst ?? 100;
    this.tokens = this.burst;
    this.tokensAt = this.clock.now();
  }

  /** Queues the key unless it is already waiting. */
  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.opts.metrics?.added();
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return this.reportDepth();
    this.handOut(key);
  }

  /** Queues the key after `ms`; an earlier pending request for the same key wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    // Node fires timers longer than 2^31-1 ms at once; a far-off key is re-armed in steps.
    const step = Math.min(ms, MAX_TIMER_MS);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      if (step < ms) this.addAfter(key, at - this.clock.now());
      else this.add(key);
    }, step);
    this.delayed.set(key, { at, timer });
  }

  /** Queues a key that failed: per-key exponential backoff, bounded by the shared bucket. */
  addRateLimited(key: K): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.opts.metrics?.retried();
    const perKey = backoffDelay(n, { baseMs: this.baseDelayMs, maxMs: this.maxDelayMs });
    this.addAfter(key, Math.max(perKey, this.bucketDelay()));
  }

  /** The key succeeded: its next failure starts from the base delay again. */
  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, waiting for one; undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished with the key; if it was re-added meanwhile it is queued again. */
  done(key: K): void {
    const takenAt = this.takenAt.get(key);
    if (takenAt !== undefined) {
      this.takenAt.delete(key);
      this.opts.metrics?.worked((this.clock.now() - takenAt) / 1000);
    }
    this.processing.delete(key);
    // Re-added while in flight: it was counted and timed at that add.
    if (this.dirty.has(key) && !this.shuttingDown) this.handOut(key);
  }

  /** Keys waiting to be handed out (not counting delayed or in-flight ones). */
  len(): number {
    return this.queue.length;
  }

  /** Stops accepting keys; waiting workers get undefined. Keys in flight may still call done. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.addedAt.clear();
    this.reportDepth();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** A dirty key not in flight: straight to a waiting worker, else to the back of the queue. */
  private handOut(key: K): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else {
      this.queue.push(key);
      this.reportDepth();
    }
  }

  private take(key: K): K {
    const now = this.clock.now();
    this.dirty.delete(key);
    this.processing.add(key);
    this.takenAt.set(key, now);
    const addedAt = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (addedAt !== undefined) this.opts.metrics?.waited((now - addedAt) / 1000);
    this.reportDepth();
    return key;
  }

  private bucketDelay(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  /** Keys added and not yet taken: the queued ones plus those re-added while in flight. */
  private reportDepth(): void {
    this.opts.metrics?.depth(this.dirty.size);
  }
}
