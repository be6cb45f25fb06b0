// Reading the operator's /metrics for bench:scale. Hand-written: the exposition format's
// sample lines are `name{labels} value`, and no dependency of ours parses them.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of `name`'s samples whose labels include `where`. */
export function sumOf(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/**
 * The upper bound of the bucket holding quantile `q` of a histogram (Prometheus'
 * histogram_quantile without the interpolation: the buckets are decades, so a bound is
 * what they can honestly say).
 */
export function bucketQuantile(
  samples: Sample[],
  name: string,
  where: Record<string, string>,
  q: number,
): number | undefined {
  const buckets = samples
    .filter((s) => s.name === `${name}_bucket` && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return undefined;
  return buckets.find((b) => b.count >= q * total)?.le;
}

export interface QueueFigures {
  name: string;
  adds: number;
  retries: number;
  depth: number;
  /** Largest depth seen while sampling. */
  maxDepth: number;
  waitMeanMs: number;
  waitP95LeMs: number | undefined;
  workMeanMs: number;
  workP95LeMs: number | undefined;
  reconciles: Record<string, number>;
  errors: number;
}

export function queueFigures(samples: Sample[], name: string, maxDepth: number): QueueFigures {
  const w = { name };
  const c = { controller: name };
  const mean = (metric: string) => {
    const n = sumOf(samples, `${metric}_count`, w);
    return n ? (sumOf(samples, `${metric}_sum`, w) / n) * 1000 : 0;
  };
  const p95 = (metric: string) => {
    const le = bucketQuantile(samples, metric, w, 0.95);
    return le === undefined ? undefined : le * 1000;
  };
  const reconciles: Record<string, number> = {};
  for (const s of samples) {
    if (s.name === 'controller_runtime_reconcile_total' && s.labels.controller === name)
      reconciles[s.labels.result] = s.value;
  }
  return {
    name,
    adds: sumOf(samples, 'workqueue_adds_total', w),
    retries: sumOf(samples, 'workqueue_retries_total', w),
    depth: sumOf(samples, 'workqueue_depth', w),
    maxDepth,
    waitMeanMs: mean('workqueue_queue_duration_seconds'),
    waitP95LeMs: p95('workqueue_queue_duration_seconds'),
    workMeanMs: mean('workqueue_work_duration_seconds'),
    workP95LeMs: p95('workqueue_work_duration_seconds'),
    reconciles,
    errors: sumOf(samples, 'controller_runtime_reconcile_errors_total', c),
  };
}

export function describeQueue(f: QueueFigures): string {
  const ms = (v: number | undefined) =>
    v === undefined ? 'n/a' : `${v < 1 ? v.toFixed(3) : v.toFixed(0)} ms`;
  const results = Object.entries(f.reconciles)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    `  ${f.name.padEnd(14)} workqueue_adds_total ${f.adds}, workqueue_retries_total ${f.retries}, ` +
    `workqueue_depth ${f.depth} (max seen ${f.maxDepth}); ` +
    `queue wait mean ${ms(f.waitMeanMs)} (p95 <= ${ms(f.waitP95LeMs)}); ` +
    `work mean ${ms(f.workMeanMs)} (p95 <= ${ms(f.workP95LeMs)}); ` +
    `reconciles ${results}; errors ${f.errors}`
  );
}

/** Mean latency and count of each verb and resource the operator called, slowest first. */
export function apiLatencies(samples: Sample[]): { call: string; n: number; meanMs: number }[] {
  const count = samples.filter((s) => s.name === 'persona_operator_api_request_duration_seconds_count');
  return count
    .filter((c) => c.value > 0)
    .map((c) => {
      const sum = sumOf(samples, 'persona_operator_api_request_duration_seconds_sum', c.labels);
      return { call: `${c.labels.verb} ${c.labels.resource}`, n: c.value, meanMs: (sum / c.value) * 1000 };
    })
    .sort((a, b) => b.meanMs - a.meanMs);
}
