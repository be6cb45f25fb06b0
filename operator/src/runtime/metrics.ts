// The operator's Prometheus metrics, on a registry of its own so tests can make fresh ones.
// Work-queue and reconcile metrics carry controller-runtime's names and labels, so the
// dashboards and alerts written for Go operators work on this one unchanged.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.ts';

export interface OperatorMetrics {
  registry: Registry;
  /** controller_runtime_reconcile_total: result is success, error, requeue or requeue_after. */
  reconciles: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  reconcileTime: Histogram<'controller'>;
  maxConcurrentReconciles: Gauge<'controller'>;
  activeWorkers: Gauge<'controller'>;
  workqueue: {
    depth: Gauge<'name'>;
    adds: Counter<'name'>;
    queueDuration: Histogram<'name'>;
    workDuration: Histogram<'name'>;
    retries: Counter<'name'>;
  };
  leader: Gauge;
  watchRestarts: Counter<'resource' | 'reason'>;
  apiRequests: Counter<'verb' | 'resource'>;
  apiLatency: Histogram<'verb' | 'resource'>;
  events: Counter<'kind' | 'type' | 'reason'>;
  eventsDropped: Counter;
  jobDuration: Histogram<'job' | 'result'>;
}

/** controller-runtime's work-queue buckets: 10 ns to 1000 s, one per decade. */
const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): OperatorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'persona_operator_' });
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller, by result (success, error, requeue, requeue_after).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller.',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    maxConcurrentReconciles: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller.',
      labelNames: ['controller'],
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller.',
      labelNames: ['controller'],
      registers,
    }),
    workqueue: {
      depth: new Gauge({
        name: 'workqueue_depth',
        help: 'Current depth of workqueue.',
        labelNames: ['name'],
        registers,
      }),
      adds: new Counter({
        name: 'workqueue_adds_total',
        help: 'Total number of adds handled by workqueue.',
        labelNames: ['name'],
        registers,
      }),
      queueDuration: new Histogram({
        name: 'workqueue_queue_duration_seconds',
        help: 'How long in seconds an item stays in workqueue before being requested.',
        labelNames: ['name'],
        buckets: WORKQUEUE_BUCKETS,
        registers,
      }),
      workDuration: new Histogram({
        name: 'workqueue_work_duration_seconds',
        help: 'How long in seconds processing an item from workqueue takes.',
        labelNames: ['name'],
        buckets: WORKQUEUE_BUCKETS,
        registers,
      }),
      retries: new Counter({
        name: 'workqueue_retries_total',
        help: 'Total number of retries handled by workqueue.',
        labelNames: ['name'],
        registers,
      }),
    },
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
    apiLatency: new Histogram({
      name: 'persona_operator_api_request_duration_seconds',
      help: 'Time from sending a request to the Kubernetes API to its answer (watches excepted), by verb and resource.',
      labelNames: ['verb', 'resource'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    events: new Counter({
      name: 'persona_operator_events_total',
      help: 'Events recorded on PersonaModels and DriftMonitors, by kind, type and reason (Trained, TrainingFailed, Promoted, PromotionRefused, DriftDetected, NoDrift, ...).',
      labelNames: ['kind', 'type', 'reason'],
      registers,
    }),
    eventsDropped: new Counter({
      name: 'persona_operator_events_dropped_total',
      help: 'Events not written to the API server because the queue of events waiting to be written was full.',
      registers,
    }),
    jobDuration: new Histogram({
      name: 'persona_operator_job_duration_seconds',
      help: "Start to end of the operator's Jobs, from each Job's own status, by job (training, drift-check) and result (succeeded, failed).",
      labelNames: ['job', 'result'],
      buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
      registers,
    }),
  };
}

/** The work-queue series of one queue (controller-runtime names a queue after its controller). */
export function workQueueMetrics(metrics: OperatorMetrics, name: string): WorkQueueMetrics {
  const q = metrics.workqueue;
  const labels = { name };
  // Zero from the start, so a queue that never retried still has its series.
  q.depth.set(labels, 0);
  q.adds.inc(labels, 0);
  q.retries.inc(labels, 0);
  return {
    depth: (n) => q.depth.set(labels, n),
    added: () => q.adds.inc(labels),
    waited: (seconds) => q.queueDuration.observe(labels, seconds),
    worked: (seconds) => q.workDuration.observe(labels, seconds),
    retried: () => q.retries.inc(labels),
  };
}
