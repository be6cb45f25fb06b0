// Prometheus metrics. Each app gets its own registry so several apps (tests, the benchmark)
// can live in one process. Metrics touched on every request are FastHistogram/FastCounter
// (fast-metrics.ts) with their series resolved once, so a request costs a Map lookup and a
// few additions: the 0.85x-of-bare-fastify goal leaves no room for label hashing.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Prediction } from '@persona-operator/core/artifact/types';
import { FastCounter, FastHistogram, type CounterSeries, type HistogramSeries } from './fast-metrics.ts';
import type { ServedModel } from './model.ts';

const PREFIX = 'persona_predictor_';

export class PredictorMetrics {
  readonly registry = new Registry();
  private readonly duration = new FastHistogram(
    `${PREFIX}request_duration_seconds`,
    'Time to answer an HTTP request, by route template, method and status code.',
    ['route', 'method', 'status_code'],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ).register(this.registry);
  private readonly predictions = new FastCounter(
    `${PREFIX}predictions_total`,
    'Rows scored, by the persona they were assigned.',
    ['persona'],
  ).register(this.registry);
  private readonly rowsPerRequest = new FastHistogram(
    `${PREFIX}rows_per_request`,
    'Rows in each successfully scored prediction request.',
    [],
    [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000],
  ).register(this.registry);
  private readonly rowsSeries: HistogramSeries = this.rowsPerRequest.child();
  private readonly modelInfo = new Gauge({
    name: `${PREFIX}model_info`,
    help: 'The model this predictor serves (always 1), labelled with its name and version.',
    labelNames: ['model', 'version'] as const,
    registers: [this.registry],
  });
  readonly logDropped = new Counter({
    name: `${PREFIX}prediction_log_dropped_total`,
    help: 'Prediction log entries dropped: queue full, or the insert into the registry failed.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly logWritten = new Counter({
    name: `${PREFIX}prediction_log_written_total`,
    help: 'Prediction log entries written to the registry.',
    registers: [this.registry],
  });

  /**
   * By method, then route template, then status code: the method and route are constant strings
   * whose hash is cached, so a request builds no key (a joined key string was flattened and
   * hashed anew on every request).
   */
  private readonly durationSeries = new Map<string, Map<string, HistogramSeries[]>>();
  /** Indexed by persona id (ids are 0-based positions in the centroid table). */
  private personaSeries: CounterSeries[] = [];

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    // Both reasons exist from the start so a dashboard can tell "nothing dropped" from "no data".
    this.logDropped.labels('queue_full').inc(0);
    this.logDropped.labels('insert_failed').inc(0);
  }

  setModel(model: ServedModel): void {
    this.modelInfo.reset();
    this.modelInfo.labels(model.name, model.versionLabel).set(1);
    const series: CounterSeries[] = [];
    for (const p of model.artifact.personas) series[p.id] = this.predictions.child(p.name);
    this.personaSeries = series;
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    let byRoute = this.durationSeries.get(method);
    if (!byRoute) {
      byRoute = new Map();
      this.durationSeries.set(method, byRoute);
    }
    let byStatus = byRoute.get(route);
    if (!byStatus) {
      byStatus = [];
      byRoute.set(route, byStatus);
    }
    let series = byStatus[status];
    if (!series) {
      series = this.duration.child(route, method, String(status));
      byStatus[status] = series;
    }
    series.observe(seconds);
  }

  observePredictions(preds: readonly Prediction[]): void {
    this.rowsSeries.observe(preds.length);
    const series = this.personaSeries;
    for (let i = 0; i < preds.length; i++) series[preds[i].personaId]?.inc();
  }
}
