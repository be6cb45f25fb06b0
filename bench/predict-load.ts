// bench:predict's load generator, run as a process of its own so that it never shares an
// event loop with the bench driver. argv[2]: a LoadSpec as JSON; prints one LoadOutcome as
// JSON on stdout. Only 2xx responses count as requests and as latencies.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  path: string;
  /** File with one JSON request body a line; requests cycle through them. */
  bodiesFile: string;
  connections: number;
  durationS: number;
  /** Offered requests/s over all connections; omitted: as fast as the server answers. */
  overallRate?: number;
}

export interface LoadOutcome {
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  /** Milliseconds, from each 2xx response. */
  p50: number;
  p99: number;
  p999: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const spec = JSON.parse(process.argv[2]) as LoadSpec;
const bodies = readFileSync(spec.bodiesFile, 'utf8').split('\n').filter(Boolean);
const latencies: number[] = [];
const started = performance.now();
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: spec.url,
      connections: spec.connections,
      pipelining: 1,
      duration: spec.durationS,
      overallRate: spec.overallRate,
      requests: bodies.map((body) => ({
        method: 'POST' as const,
        path: spec.path,
        headers: { 'content-type': 'application/json' },
        body,
      })),
    },
    (err, res) => (err ? reject(err) : resolve(res)),
  );
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
});
const sorted = Float64Array.from(latencies).sort();
const outcome: LoadOutcome = {
  ok: latencies.length,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  durationS: (performance.now() - started) / 1000,
  p50: percentile(sorted, 50),
  p99: percentile(sorted, 99),
  p999: percentile(sorted, 99.9),
};
process.stdout.write(`${JSON.stringify(outcome)}\n`);
