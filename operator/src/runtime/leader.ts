// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
// renewTime every retry period; others take over once the record has not changed for a
// whole lease duration *by their own clock* (so clock skew between nodes does not matter);
// every write carries the resourceVersion it read, so two candidates cannot both win.
// Hand-written because @kubernetes/client-node ships no leader election.
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { V1MicroTime } from '@kubernetes/client-node';
import { systemClock, type Clock } from './clock.ts';
import { describeApiError, isConflict, isNotFound } from './k8s-errors.ts';
import type { Logger } from './logger.ts';

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions?: number;
}

export type LeaseDecision =
  { kind: 'write'; record: LeaseRecord } | { kind: 'wait'; holder: string; expiresInMs: number };

/**
 * What a candidate should do with the lease it read. `observedAt` is the local time at which
 * the candidate first saw the current record (its resourceVersion) unchanged.
 */
export function decideLease(
  current: LeaseRecord | undefined,
  observedAt: number,
  identity: string,
  now: number,
  leaseDurationSeconds: number,
): LeaseDecision {
  const holder = current?.holderIdentity ?? '';
  const duration = (current?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  const expiresInMs = observedAt + duration - now;
  if (holder !== '' && holder !== identity && expiresInMs > 0) return { kind: 'wait', holder, expiresInMs };
  const renewing = holder === identity;
  return {
    kind: 'write',
    record: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: renewing && current?.acquireTime ? current.acquireTime : new Date(now),
      renewTime: new Date(now),
      leaseTransitions: (current?.leaseTransitions ?? 0) + (renewing || holder === '' ? 0 : 1),
    },
  };
}

export interface LeaderElectorOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  /** The leader gives up when it could not renew for this long (must be < lease duration). */
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  logger: Logger;
  clock?: Clock;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly duration: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private observedRv: string | undefined;
  private observedAt = 0;
  private lastRenew = 0;
  private leading = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.duration = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = (opts.renewDeadlineSeconds ?? 10) * 1000;
    this.retryMs = (opts.retryPeriodSeconds ?? 2) * 1000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until elected, then renews until the lease is lost or stop() is called. */
  async run(): Promise<void> {
    while (!this.stopped && !this.leading) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.opts.logger.info({ lease: this.opts.name, identity: this.opts.identity }, 'became leader');
        this.opts.onStartedLeading();
      } else await this.sleep(this.retryMs);
    }
    while (!this.stopped && this.leading) {
      await this.sleep(this.retryMs);
      if (this.stopped) break;
      if (await this.tryAcquireOrRenew()) continue;
      if (this.clock.now() - this.lastRenew >= this.renewDeadlineMs) {
        this.leading = false;
        this.opts.logger.error(
          { lease: this.opts.name },
          'lost leadership: could not renew the lease in time',
        );
        this.opts.onStoppedLeading();
      }
    }
  }

  /** Stops campaigning; a leader hands the lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.opts.api.readNamespacedLease({
        name: this.opts.name,
        namespace: this.opts.namespace,
      });
      if (lease.spec?.holderIdentity === this.opts.identity) {
        lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 };
        await this.opts.api.replaceNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
          body: lease,
        });
      }
    } catch (err) {
      this.opts.logger.warn({ err: describeApiError(err) }, 'could not release the lease; it will expire');
    }
    this.opts.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, name, namespace, identity } = this.opts;
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        this.opts.logger.warn({ err: describeApiError(err) }, 'reading the lease failed');
        return false;
      }
    }
    const now = this.clock.now();
    const rv = lease?.metadata?.resourceVersion;
    if (rv !== this.observedRv) {
      this.observedRv = rv;
      this.observedAt = now;
    }
    const decision = decideLease(
      lease?.spec ? toRecord(lease.spec) : undefined,
      this.observedAt,
      identity,
      now,
      this.duration,
    );
    if (decision.kind === 'wait') return false;
    const spec = {
      holderIdentity: decision.record.holderIdentity,
      leaseDurationSeconds: decision.record.leaseDurationSeconds,
      leaseTransitions: decision.record.leaseTransitions,
      acquireTime: micro(decision.record.acquireTime),
      renewTime: micro(decision.record.renewTime),
    };
    try {
      const written = lease
        ? await api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec } })
        : await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
      this.observedRv = written.metadata?.resourceVersion;
      this.observedAt = now;
      this.lastRenew = now;
      return true;
    } catch (err) {
      // A conflict means someone else wrote first: their record wins this round.
      if (!isConflict(err)) this.opts.logger.warn({ err: describeApiError(err) }, 'writing the lease failed');
      return false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }
}

function toRecord(spec: NonNullable<V1Lease['spec']>): LeaseRecord {
  return {
    holderIdentity: spec.holderIdentity,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: spec.acquireTime ? new Date(spec.acquireTime) : undefined,
    renewTime: spec.renewTime ? new Date(spec.renewTime) : undefined,
    leaseTransitions: spec.leaseTransitions,
  };
}

function micro(d: Date | undefined): V1MicroTime | undefined {
  return d ? new V1MicroTime(d.getTime()) : undefined;
}
