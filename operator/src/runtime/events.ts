// Kubernetes Events on our custom resources (shown by `kubectl describe`). Repeats of the
// same event within ten minutes bump the count of the first one instead of piling up new
// objects, as client-go's correlator does. Recording never fails a reconcile.
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
): CoreV1Event {
  const name = obj.metadata?.name ?? 'unknown';
  return {
    metadata: {
      // client-go's naming: the object's name and a nanosecond-ish hex timestamp.
      name: `${name}.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`,
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
  record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void>;
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
      return inner.record(obj, type, reason, message);
    },
  };
}

export class KubeEventRecorder implements EventRecorder {
  private readonly seen = new Map<
    string,
    { name: string; namespace: string; count: number; first: number }
  >();
  private readonly clock: Clock;

  constructor(
    private readonly api: CoreV1Api,
    private readonly logger: Logger,
    private readonly instance: string,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async record(obj: KubernetesObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = new Date(this.clock.now());
    const key = [obj.metadata?.uid, type, reason, message].join('\0');
    const prior = this.seen.get(key);
    try {
      if (prior && now.getTime() - prior.first < AGGREGATE_WINDOW_MS) {
        prior.count++;
        await this.api.patchNamespacedEvent(
          { name: prior.name, namespace: prior.namespace, body: { count: prior.count, lastTimestamp: now } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      }
      const event = buildEvent(obj, type, reason, message, now, this.instance);
      const namespace = event.metadata.namespace!;
      await this.api.createNamespacedEvent({ namespace, body: event });
      this.seen.set(key, { name: event.metadata.name!, namespace, count: 1, first: now.getTime() });
      this.prune(now.getTime());
    } catch (err) {
      this.seen.delete(key);
      this.logger.warn({ reason, err: describeApiError(err) }, 'could not record an event');
    }
  }

  private prune(now: number): void {
    if (this.seen.size < 1000) return;
    for (const [k, v] of this.seen) if (now - v.first >= AGGREGATE_WINDOW_MS) this.seen.delete(k);
  }
}
