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
//   Requests go over raw keep-alive connections (raw-http.ts), one in flight on each.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { buildPost, RawHttpConnection } from './raw-http.ts';

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
  const host = url.hostname;
  const port = Number(url.port);
  const requests = bodies.map((b) => buildPost(host, port, spec.path, b));
  const total = Math.round(rate * spec.durationS);
  const gapMs = 1000 / rate;
  const latency: number[] = [];
  const service: number[] = [];
  const sendLag: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let finish = () => {};
  const done = new Promise<void>((r) => (finish = r));

  // Every connection is open before the clock starts, so no request pays for a handshake.
  const idle: RawHttpConnection[] = [];
  let open = 0;
  const onClosed = (conn: RawHttpConnection) => {
    open--;
    const at = idle.indexOf(conn);
    if (at >= 0) idle.splice(at, 1);
  };
  const opening = Array.from({ length: spec.connections }, () => new RawHttpConnection(host, port, onClosed));
  open = opening.length;
  await Promise.all(opening.map((c) => c.connected));
  idle.push(...opening);

  // Requests due but not yet written, oldest first: waiting for a free connection is latency.
  const waiting: number[] = [];
  let waitHead = 0;
  let start = 0;
  const write = (conn: RawHttpConnection, i: number) => {
    const due = start + i * gapMs;
    const written = performance.now();
    sendLag.push(written - due);
    conn.send(requests[i % requests.length], (status, at) => {
      if (status >= 200 && status < 300) {
        latency.push(at - due);
        service.push(at - written);
      } else if (status === 0) errors++;
      else non2xx++;
      if (conn.idle) idle.push(conn);
      if (++settled === total) finish();
      else {
        admitDue();
        dispatch();
      }
    });
  };
  const dispatch = () => {
    while (waitHead < waiting.length) {
      let conn = idle.pop();
      if (!conn) {
        // A connection the server closed is replaced, up to the same number open.
        if (open >= spec.connections) return;
        conn = new RawHttpConnection(host, port, onClosed);
        open++;
      }
      write(conn, waiting[waitHead++]);
    }
  };

  start = performance.now() + 20;
  let next = 0;
  // Timers fire no more often than once a millisecond, several requests apart at these rates:
  // requests that fell due meanwhile are also taken up whenever an answer arrives, so they
  // leave as soon as this process looks, not in a burst at the next timer.
  const admitDue = () => {
    const now = performance.now();
    for (; next < total && start + next * gapMs <= now; next++) waiting.push(next);
  };
  const tick = () => {
    admitDue();
    dispatch();
    if (next < total) setTimeout(tick, Math.max(0, start + next * gapMs - performance.now()));
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  await done;
  for (const c of idle) c.close();
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
