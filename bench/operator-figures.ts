// What both operator benches compute: percentiles and the operator's API request counter.

export function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The operator's `persona_operator_api_requests_total` counters (summed over every scrape given), by `verb resource`. */
export function requestCounts(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const m = /^persona_operator_api_requests_total\{verb="([^"]*)",resource="([^"]*)"\} (\S+)/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, (out.get(`${m[1]} ${m[2]}`) ?? 0) + Number(m[3]));
  }
  return out;
}
