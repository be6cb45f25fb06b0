// Prediction logging for drift monitoring. A prediction only appends to a bounded in-memory
// queue; a background flusher writes batches to the registry. When the queue is full, or an
// insert fails, entries are dropped and counted: the log is a sample for drift checks, and a
// slow or unreachable registry must never slow down or fail a prediction.
import type { Prediction } from '@persona-operator/core/artifact/types';
import type { PredictionLogEntry } from '@persona-operator/registry';
import { DEFAULT_PREDICTION_LOG_LIMITS, type PredictionLogLimits } from './config.ts';

/** Where batches go: the registry's `insertPredictionLog`. */
export type PredictionLogSink = (entries: PredictionLogEntry[]) => Promise<void>;

export interface PredictionLogOptions extends Partial<PredictionLogLimits> {
  sink: PredictionLogSink;
  /** The model ref every entry is written under. */
  model: { namespace: string; name: string; version: number };
  featureNames: readonly string[];
  onDropped?: (count: number, reason: 'queue_full' | 'insert_failed', err?: unknown) => void;
  onWritten?: (count: number) => void;
}

interface Pending {
  at: Date;
  row: unknown;
  persona: string;
}

export class PredictionLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxQueue: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;

  constructor(private readonly opts: PredictionLogOptions) {
    this.maxQueue = opts.maxQueue ?? DEFAULT_PREDICTION_LOG_LIMITS.maxQueue;
    this.batchSize = opts.batchSize ?? DEFAULT_PREDICTION_LOG_LIMITS.batchSize;
    this.flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_PREDICTION_LOG_LIMITS.flushIntervalMs;
  }

  /** Entries waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues scored rows; never throws and never waits. Rows are converted when written, off the request path. */
  record(rows: readonly unknown[], preds: readonly Prediction[]): void {
    if (this.closed) {
      this.opts.onDropped?.(rows.length, 'queue_full');
      return;
    }
    const room = this.maxQueue - this.queue.length;
    const take = Math.min(room, rows.length);
    const at = new Date();
    for (let i = 0; i < take; i++) this.queue.push({ at, row: rows[i], persona: preds[i].persona });
    if (take < rows.length) this.opts.onDropped?.(rows.length - take, 'queue_full');
    if (this.queue.length >= this.batchSize) this.kick();
    else if (!this.timer && this.queue.length > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
      // Rows that arrived during the last insert wait for the next trigger (batch full or timer).
      if (this.queue.length >= this.batchSize && !this.closed) this.kick();
      else if (this.queue.length > 0 && !this.timer && !this.closed) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.kick();
        }, this.flushIntervalMs);
        this.timer.unref();
      }
    });
  }

  private toEntry(p: Pending): PredictionLogEntry {
    const { namespace, name, version } = this.opts.model;
    let features: Record<string, unknown>;
    if (Array.isArray(p.row)) {
      features = {};
      this.opts.featureNames.forEach((f, i) => (features[f] = (p.row as unknown[])[i]));
    } else {
      features = p.row as Record<string, unknown>;
    }
    return { namespace, name, version, at: p.at, features, persona: p.persona };
  }

  /** Writes full batches until the queue is empty. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        await this.opts.sink(batch.map((p) => this.toEntry(p)));
        this.opts.onWritten?.(batch.length);
      } catch (err) {
        this.opts.onDropped?.(batch.length, 'insert_failed', err);
      }
    }
  }

  /** Waits for everything queued so far to be written (or dropped on failure). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.flushing || this.queue.length > 0) {
      if (!this.flushing) this.kick();
      await this.flushing;
    }
  }

  /** Stops accepting entries and writes what is queued; the shutdown path. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
