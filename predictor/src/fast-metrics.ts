// Counters and histograms for the request path, registered in a prom-client Registry.
//
// prom-client hashes the label set on every observe and inc, even through a `labels()` child;
// on a one-row prediction that was about 5 % of the server's CPU, most of the gap to the
// bare-fastify goal. Here a child is resolved once (per route/status or persona) and then an
// observation is an array scan and three additions. The registry still does the exposition,
// so /metrics is prom-client's format, next to its default process metrics.
import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string>;

interface ExportedValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: ExportedValue[];
}

/** What prom-client's Registry needs of a metric: a name, `get()` and `reset()`. */
abstract class FastMetric<Child> {
  readonly aggregator = 'sum' as const;
  protected readonly series = new Map<string, { labels: Labels; child: Child }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  protected abstract create(): Child;
  protected abstract exportSeries(labels: Labels, child: Child, out: ExportedValue[]): void;
  abstract readonly type: 'counter' | 'histogram';

  /** The series for these label values; keep it, and use it on the hot path. */
  child(...values: string[]): Child {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (!entry) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => (labels[n] = values[i]));
      entry = { labels, child: this.create() };
      this.series.set(key, entry);
    }
    return entry.child;
  }

  async get(): Promise<Exported> {
    const values: ExportedValue[] = [];
    for (const { labels, child } of this.series.values()) this.exportSeries(labels, child, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }

  register(registry: Registry): this {
    // Duck-typed: the Registry only calls name, get() and reset() on what it holds.
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

export class CounterSeries {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter' as const;
  protected create(): CounterSeries {
    return new CounterSeries();
  }
  protected exportSeries(labels: Labels, s: CounterSeries, out: ExportedValue[]): void {
    out.push({ value: s.value, labels });
  }
}

export class HistogramSeries {
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(v: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && v > bounds[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram' as const;
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }
  protected create(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }
  protected exportSeries(labels: Labels, s: HistogramSeries, out: ExportedValue[]): void {
    let acc = 0;
    this.buckets.forEach((le, i) => {
      acc += s.counts[i];
      out.push({ value: acc, labels: { ...labels, le }, metricName: `${this.name}_bucket` });
    });
    out.push({ value: s.count, labels: { ...labels, le: '+Inf' }, metricName: `${this.name}_bucket` });
    out.push({ value: s.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: s.count, labels, metricName: `${this.name}_count` });
  }
}
