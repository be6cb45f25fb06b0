// bench:predict's load generator, run as a process of its own so that it never shares an
// event loop with the bench driver. argv[2]: a LoadSpec as JSON; prints one LoadOutcome as
// JSON on stdout. Only 2xx responses count as requests and as latencies.
//
// Two modes:
// - peak (no `rate`): autocannon, closed loop, each connection sends its next request when the
//   last one is answered;
// - fixed rate (`rate`): an open loop written here, because autocannon's rate limit is a
//   per-connection quota reset every second (a burst at full speed, then silence) and it times
//   each request from when it was written, so a stall delays the requests behind it without
//   counting them as late (coordinated omission). Here request i is due at start + i / rate
//   whatever happened before; its latency runs from that due time, so time spent waiting for a
//   free connection or for this process's own timer counts against the server, never for it.
//   How late requests left (sendLag) is reported beside, to tell the generator from the server.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  path: string;
  /** File with one JSON request body a line; requests cycle through them. */
  bodiesFile: string;
  /** Peak: autocannon's connections. Fixed rate: the most connections open at once. */
  connections: number;
  durationS: number;
  /** Offered requests/s on a fixed schedule (open loop); omitted: as fast as the server answers. */
  rate?: number;
}

export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LoadOutcome {
  mode: 'peak' | 'fixed-rate';
  ok: number;
  non2xx: number;
  errors: number;
  durationS: number;
  /** Milliseconds, from each 2xx response: from its due time at a fixed rate, from its write at peak. */
  latency: Percentiles;
  /** Fixed rate only. */
  offered?: number;
  /** Fixed rate only: milliseconds from a request's due time to its write (the generator's lateness). */
  sendLag?: Percentiles;
  /** Fixed rate only: milliseconds from the write to the answer (what autocannon would report). */
  service?: Percentiles;
}

function percentiles(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: at(50), p99: at(99), p999: at(99.9), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

async function peak(spec: LoadSpec, bodies: string[]): Promise<LoadOutcome> {
  const latencies: number[] = [];
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        pipelining: 1,
        duration: spec.durationS,
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
  return {
    mode: 'peak',
    ok: latencies.length,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationS: (performance.now() - started) / 1000,
    latency: percentiles(latencies),
  };
}

async function fixedRate(spec: LoadSpec, rate: number, bodies: string[]): Promise<LoadOutcome> {
  const url = new URL(spec.url);
  // Requests beyond `connections` in flight wait in the agent's queue, and that wait is latency.
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const total = Math.round(rate * spec.durationS);
  const gapMs = 1000 / rate;
  const encoded = bodies.map((b) => Buffer.from(b));
  const latency: number[] = [];
  const service: number[] = [];
  const sendLag: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let finish = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const settle = () => {
    if (++settled === total) finish();
  };

  const send = (i: number, due: number) => {
    const body = encoded[i % encoded.length];
    let written = due;
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: spec.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          const now = performance.now();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            latency.push(now - due);
            service.push(now - written);
          } else non2xx++;
          settle();
        });
      },
    );
    // A queued request gets its socket when one frees up; that is when it is written.
    req.once('socket', () => {
      written = performance.now();
      sendLag.push(written - due);
    });
    req.once('error', () => {
      errors++;
      settle();
    });
    req.end(body);
  };

  const start = performance.now() + 20;
  let next = 0;
  const tick = () => {
    const now = performance.now();
    for (; next < total && start + next * gapMs <= now; next++) send(next, start + next * gapMs);
    if (next < total) setTimeout(tick, Math.max(0, start + next * gapMs - performance.now()));
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  await done;
  agent.destroy();
  return {
    mode: 'fixed-rate',
    ok: latency.length,
    non2xx,
    errors,
    durationS: (performance.now() - start) / 1000,
    latency: percentiles(latency),
    offered: rate,
    sendLag: percentiles(sendLag),
    service: percentiles(service),
  };
}

const spec = JSON.parse(process.argv[2]) as LoadSpec;
const bodies = readFileSync(spec.bodiesFile, 'utf8').split('\n').filter(Boolean);
const outcome = spec.rate ? await fixedRate(spec, spec.rate, bodies) : await peak(spec, bodies);
process.stdout.write(`${JSON.stringify(outcome)}\n`);
