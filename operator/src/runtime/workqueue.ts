// A rate-limited work queue with client-go's semantics: a key is queued at most once
// (de-duplication), never handed to two workers at once (a key re-added while processing
// is queued again when its worker calls done), and failures retry with per-key exponential
// backoff combined with an overall token bucket so a broken cluster is not hammered.
// Hand-written because @kubernetes/client-node ships no work queue at all.
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
  /** Called whenever the number of queued keys changes (for the depth metric). */
  onDepth?: (depth: number) => void;
}

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly delayed = new Map<K, { at: number; timer: TimerHandle }>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
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
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(key));
    else {
      this.queue.push(key);
      this.reportDepth();
    }
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
    if (key !== undefined) {
      this.reportDepth();
      return Promise.resolve(this.take(key));
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The worker finished with the key; if it was re-added meanwhile it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
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
    this.reportDepth();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private take(key: K): K {
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private bucketDelay(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  private reportDepth(): void {
    this.opts.onDepth?.(this.queue.length);
  }
}
