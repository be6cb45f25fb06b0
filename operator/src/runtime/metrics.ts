// The operator's Prometheus metrics, on a registry of its own so tests can make fresh ones.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  reconcileDuration: Histogram<'controller'>;
  queueDepth: Gauge<'queue'>;
  leader: Gauge;
  watchRestarts: Counter<'resource' | 'reason'>;
  apiRequests: Counter<'verb' | 'resource'>;
  events: Counter<'kind' | 'type' | 'reason'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'persona_operator_' });
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: 'persona_operator_reconcile_total',
      help: 'Reconciles by controller and result (success, error, requeue).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'persona_operator_reconcile_errors_total',
      help: 'Reconciles that ended in an error.',
      labelNames: ['controller'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'persona_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'persona_operator_workqueue_depth',
      help: 'Keys waiting in a work queue.',
      labelNames: ['queue'],
      registers,
    }),
    leader: new Gauge({
      name: 'persona_operator_leader',
      help: '1 while this process holds the leader Lease.',
      registers,
    }),
    watchRestarts: new Counter({
      name: 'persona_operator_watch_restarts_total',
      help: 'Watches re-opened, by resource and reason (timeout, error, watchdog, gone).',
      labelNames: ['resource', 'reason'],
      registers,
    }),
    apiRequests: new Counter({
      name: 'persona_operator_api_requests_total',
      help: 'Requests made to the Kubernetes API, by verb and resource.',
      labelNames: ['verb', 'resource'],
      registers,
    }),
    events: new Counter({
      name: 'persona_operator_events_total',
      help: 'Events recorded on PersonaModels and DriftMonitors, by kind, type and reason (Trained, TrainingFailed, Promoted, PromotionRefused, DriftDetected, NoDrift, ...).',
      labelNames: ['kind', 'type', 'reason'],
      registers,
    }),
  };
}
