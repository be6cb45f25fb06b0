// Kubernetes Events on our custom resources (shown by `kubectl describe`). Recording queues the
// event and returns: a reconcile never waits for the API server to store an Event, as with
// client-go's EventRecorder. A few writers drain the queue; a full queue drops (and counts) the
// newest events. Repeats of the same event within ten minutes bump the count of the first one
// instead of piling up new objects, as client-go's correlator does. Recording never fails.
import type { CoreV1Api, CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';
import { systemClock, type Clock } from './clock.ts';
import { describeApiError } from './k8s-errors.ts';
import type { Logger } from './logger.ts';

export type EventType = 'Normal' | 'Warning';

export const EVENT_COMPONENT = 'persona-operator';
const AGGREGATE_WINDOW_MS = 10 * 60 * 1000;
const MESSAGE_MAX = 1024;

/** The core/v1 Event for one occurrence on `obj`. */
export function buildEvent(
  obj: KubernetesObject,
  type: EventType,
  reason: string,
  message: string,
  now: Date,
  instance: string,
  serial = 0,
): CoreV1Event {
  const name = obj.metadata?.name ?? 'unknown';
  // client-go's naming: the object's name and a nanosecond hex timestamp. Milliseconds are all
  // a Date has, so a serial fills the nanoseconds: two events in one millisecond differ.
  const stamp = BigInt(now.getTime()) * 1_000_000n + BigInt(serial % 1_000_000);
  return {
    metadata: {
      name: `${name}.${stamp.toString(16)}`,
      namespace: obj.metadata?.namespace ?? 'default',
    },
    involvedObject: {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
    },
    type,
    reason,
    message: message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 3)}...` : message,
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
    source: { component: EVENT_COMPONENT },
    reportingComponent: EVENT_COMPONENT,
    reportingInstance: instance,
  };
}

export interface EventRecorder {
  /** Queues the event; returns at once and never throws. */
  record(obj: KubernetesObject, type: EventType, reason: string, message: string): void;
}

/**
 * Counts every occurrence by kind, type and reason before recording it: training results,
 * promotion decisions and drift verdicts become rates a dashboard can plot.
 */
export function countedRecorder(
  inner: EventRecorder,
  counter: Pick<Counter<'kind' | 'type' | 'reason'>, 'inc'>,
): EventRecorder {
  return {
    record(obj, type, reason, message) {
      counter.inc({ kind: obj.kind ?? 'unknown', type, reason });
      inner.record(obj, type, reason, message);
    },
  };
}

export interface KubeEventRecorderOptions {
  clock?: Clock;
  /** Events waiting to be written; beyond it new ones are dropped (client-go keeps 1000). */
  maxQueued?: number;
  /** Event writes in flight at once. */
  writers?: number;
  /** Told of each event dropped for a full queue. */
  dropped?: () => void;
}

/** One event waiting to be written: its first occurrence and how many repeats since. */
interface Pending {
  key: string;
  event: CoreV1Event;
  repeats: number;
  last: Date;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly seen = new Map<
    string,
    { name: string; namespace: string; count: number; first: number }
  >();
  private readonly queue: Pending[] = [];
  /** Queued events by key: a repeat before the write joins the queued one. */
  private readonly queuedByKey = new Map<string, Pending>();
  /** Keys being written: a repeat waits for the write so it can bump that event's count. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly clock: Clock;
  private readonly maxQueued: number;
  private readonly writers: number;
  private active = 0;
  private serial = 0;
  private droppedSinceWarning = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly api: CoreV1Api,
    private readonly logger: Logger,
    private readonly instance: string,
    private readonly opts: KubeEventRecorderOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.maxQueued = opts.maxQueued ?? 1000;
    this.writers = opts.writers ?? 4;
  }

  record(obj: KubernetesObject, type: EventType, reason: string, message: string): void {
    const now = new Date(this.clock.now());
    const key = [obj.metadata?.uid, type, reason, message].join('\0');
    const queued = this.queuedByKey.get(key);
    if (queued) {
      queued.repeats++;
      queued.last = now;
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.opts.dropped?.();
      if (this.droppedSinceWarning++ === 0) {
        this.logger.warn({ reason, queued: this.queue.length }, 'event queue full; dropping events');
      }
      return;
    }
    this.droppedSinceWarning = 0;
    const event = buildEvent(obj, type, reason, message, now, this.instance, this.serial++);
    const pending: Pending = { key, event, repeats: 0, last: now };
    this.queue.push(pending);
    this.queuedByKey.set(key, pending);
    this.pump();
  }

  /** Resolves once every event recorded so far has been written or given up on. */
  flush(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Events waiting to be written (not counting those being written). */
  get queued(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.active < this.writers && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.queuedByKey.delete(next.key);
      this.active++;
      void this.writeAfterSameKey(next).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0) {
          for (const wake of this.idleWaiters.splice(0)) wake();
        }
      });
    }
  }

  private async writeAfterSameKey(p: Pending): Promise<void> {
    const before = this.writing.get(p.key);
    const done = (async () => {
      await before;
      await this.write(p);
    })();
    this.writing.set(p.key, done);
    try {
      await done;
    } finally {
      if (this.writing.get(p.key) === done) this.writing.delete(p.key);
    }
  }

  private async write(p: Pending): Promise<void> {
    const at = p.event.firstTimestamp!.getTime();
    const prior = this.seen.get(p.key);
    try {
      if (prior && at - prior.first < AGGREGATE_WINDOW_MS) {
        prior.count += 1 + p.repeats;
        await this.api.patchNamespacedEvent(
          {
            name: prior.name,
            namespace: prior.namespace,
            body: { count: prior.count, lastTimestamp: p.last },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      }
      const event = { ...p.event, count: 1 + p.repeats, lastTimestamp: p.last };
      const namespace = event.metadata.namespace!;
      await this.api.createNamespacedEvent({ namespace, body: event });
      this.seen.set(p.key, { name: event.metadata.name!, namespace, count: event.count, first: at });
      this.prune(at);
    } catch (err) {
      this.seen.delete(p.key);
      this.logger.warn({ reason: p.event.reason, err: describeApiError(err) }, 'could not record an event');
    }
  }

  private prune(now: number): void {
    if (this.seen.size < 1000) return;
    for (const [k, v] of this.seen) if (now - v.first >= AGGREGATE_WINDOW_MS) this.seen.delete(k);
  }
}
