// bench:predict — `persona serve` against a bare fastify route (the limit) and against the
// pipeline it replaces (Flask + scikit-learn under Gunicorn), in one run on this machine.
//
// 1. Trains a real model on the seed scenario (6 personas, 8 numeric features + 1 categorical).
// 2. Starts each server in its own process: the bare route (same response schema, no request
//    logging), `persona serve` as the image runs it (the bundle, dist/persona.mjs, with
//    --enable-source-maps and NODE_ENV=production; --tsx: the sources under tsx), and Gunicorn
//    with as many Flask workers as cores.
// 3. Peak: autocannon in a process of its own (bench/predict-load.ts), rounds in ABBA order
//    (P B F, F B P, ...), the median and spread of each side. The headline is server CPU time
//    per answered request (what a core of its own would sustain, much less sensitive to the
//    neighbours' load than requests/s); requests/s stand beside it. Only 2xx responses count.
// 4. Latency at half the predictor's peak: an open-loop generator at a fixed rate, latency
//    from each request's due time (no coordinated omission), the predictor and the bare route
//    alternated at the same rate, each server on the first half of the cores and the generator
//    on the other half (see pinning()); the predictor's GC pauses and event-loop delay over the same
//    runs, from its own /metrics, to tell the server's pauses from the machine's.
// 5. Batch scoring in rows/s.
//
// Flags: --tsx, --json (record under bench/results). Env: BENCH_DURATION (s per peak run, 5),
// BENCH_CONNECTIONS (10), BENCH_ROUNDS (6 per side), BENCH_LATENCY_S (s per fixed-rate run, 10),
// GUNICORN (gunicorn).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScorer } from '@persona-operator/core/scoring/scorer';
import { generateSeedScenario, SEED_FEATURES } from '@persona-operator/core/synth/seed-scenario';
import { trainModel } from '@persona-operator/core/train/train';
import type { Table } from '@persona-operator/core/data/table';
import { freePort } from '../test/support/postgres.ts';
import type { LoadOutcome, LoadSpec } from './predict-load.ts';
import { buildBundle } from './bundle.ts';
import { keepRecord, spread, startBench, type Spread } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 6));
const LATENCY_S = Number(process.env.BENCH_LATENCY_S ?? 10);
/** At a fixed rate: the most connections open at once (requests beyond wait, and that counts). */
const OPEN_LOOP_CONNECTIONS = 64;
const FROM_SOURCES = process.argv.includes('--tsx');
const PREDICT_PATH = '/v1/models/customers:predict';
const BATCH_ROWS = 10_000;
const BATCH_REPEATS = 10;

interface Server {
  key: 'persona' | 'bare' | 'flask';
  label: string;
  base: string;
  proc: ChildProcess;
}

interface Round {
  rps: number;
  cpuUsPerRequest: number;
  outcome: LoadOutcome;
}

function rowsOf(table: Table, n: number, offset = 0): Record<string, number | string>[] {
  const out: Record<string, number | string>[] = [];
  for (let i = 0; i < n; i++) {
    const r = (offset + i) % table.rowCount;
    const row: Record<string, number | string> = {};
    for (const c of table.columns) row[c.name] = c.values[r] as number | string;
    out.push(row);
  }
  return out;
}

async function waitReady(server: Server): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (server.proc.exitCode !== null) throw new Error(`${server.label} exited with ${server.proc.exitCode}`);
    try {
      if ((await fetch(`${server.base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${server.label} did not become ready`);
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Pinning {
  /** taskset core lists: the servers', the load generator's. */
  server: string;
  generator: string;
}

/**
 * At a fixed rate, the servers run on the first half of the cores and the generator on the
 * other half, for every server alike: on shared cores the scheduler made the generator wait
 * behind the server it was timing, and that lateness was most of the p99 it measured. The peak
 * runs share the cores as before: one core of autocannon cannot keep a server busy, and CPU
 * per request at part load is not the peak's.
 */
function pinning(): Pinning | undefined {
  const cores = availableParallelism();
  if (cores < 2 || spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status !== 0) {
    return undefined;
  }
  const half = Math.floor(cores / 2);
  const list = (from: number, to: number) => (to - from === 1 ? `${from}` : `${from}-${to - 1}`);
  return { server: list(0, half), generator: list(half, cores) };
}

const PIN = pinning();

/** Moves a running process, every thread of it, onto `cores`. */
function pinProcess(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/** CPU time (ms) of a process and all its descendants (Gunicorn's workers), from /proc. */
function treeCpuMs(pid: number): number {
  let ms = 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) ms += treeCpuMs(Number(child));
  } catch {
    // the process (or a worker) is gone
  }
  return ms;
}

async function load(
  server: Server,
  bodiesFile: string,
  opts: { rate?: number; durationS?: number; cores?: string } = {},
): Promise<Round> {
  const spec: LoadSpec = {
    url: server.base,
    path: PREDICT_PATH,
    bodiesFile,
    connections: opts.rate ? OPEN_LOOP_CONNECTIONS : CONNECTIONS,
    durationS: opts.durationS ?? DURATION_S,
    rate: opts.rate,
  };
  const before = treeCpuMs(server.proc.pid!);
  const args = ['--import', 'tsx', join(ROOT, 'bench/predict-load.ts'), JSON.stringify(spec)];
  const child = opts.cores
    ? spawn('taskset', ['-c', opts.cores, process.execPath, ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const after = treeCpuMs(server.proc.pid!);
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const outcome = JSON.parse(out) as LoadOutcome;
  return {
    rps: outcome.ok / spec.durationS,
    cpuUsPerRequest: outcome.ok ? ((after - before) * 1000) / outcome.ok : NaN,
    outcome,
  };
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const range = (s: Spread, d = 0) => `${fmt(s.median, d)} (${fmt(s.min, d)}..${fmt(s.max, d)})`;
const roundLine = (label: string, r: Round) =>
  `  ${label.padEnd(40)} cpu ${fmt(r.cpuUsPerRequest, 1).padStart(7)} µs/req  ${fmt(r.rps).padStart(7)} req/s  ` +
  `p50 ${fmt(r.outcome.latency.p50, 2)} ms  p99 ${fmt(r.outcome.latency.p99, 2)} ms` +
  (r.outcome.non2xx || r.outcome.errors ? `  non-2xx ${r.outcome.non2xx} errors ${r.outcome.errors}` : '');

/** The predictor's own /metrics text. */
async function serverMetrics(server: Server): Promise<string> {
  const res = await fetch(`${server.base}/metrics`);
  if (res.status !== 200) throw new Error(`${server.label} /metrics answered ${res.status}`);
  return res.text();
}

function metricValue(text: string, name: string, labels = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    if (series === name || (series.startsWith(`${name}{`) && series.includes(labels))) total += Number(value);
  }
  return total;
}

/** prom-client's default metrics between two scrapes: GC pauses, and the event loop's worst delay. */
function gcBetween(before: string, after: string) {
  const delta = (name: string, labels = '') =>
    metricValue(after, name, labels) - metricValue(before, name, labels);
  const collections = delta('nodejs_gc_duration_seconds_count');
  return {
    collections,
    totalMs: delta('nodejs_gc_duration_seconds_sum') * 1000,
    over10ms: collections - delta('nodejs_gc_duration_seconds_bucket', 'le="0.01"'),
    /** Since the scrape before (prom-client resets the histogram on each scrape). */
    loopDelayMaxMs: metricValue(after, 'nodejs_eventloop_lag_max_seconds') * 1000,
  };
}

function findGunicorn(): string | undefined {
  const candidates = process.env.GUNICORN ? [process.env.GUNICORN] : ['gunicorn', '/usr/bin/gunicorn'];
  return candidates.find((g) => spawnSync(g, ['--version'], { stdio: 'ignore' }).status === 0);
}

async function main(): Promise<void> {
  const run = startBench('bench:predict');
  const cores = availableParallelism();
  console.log(
    `autocannon in its own process: ${CONNECTIONS} keep-alive connections, pipelining 1, ${DURATION_S} s per run, ${ROUNDS} rounds per server in ABBA order`,
  );

  const scenario = generateSeedScenario({ rowsPerMonth: 5000, seed: 7 });
  const table = scenario.months[0].table;
  const artifact = await trainModel(table, {
    features: SEED_FEATURES,
    mode: 'fit',
    k: { min: 6, max: 6 },
    nInit: 3,
    seed: 7,
    personas: scenario.personas,
    workers: 1,
  });
  artifact.model = { namespace: 'bench', name: 'customers', version: 1 };
  console.log(
    `model: ${artifact.personas.length} personas, ${artifact.features.length} features, trained on ${table.rowCount} rows`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'persona-bench-'));
  const modelFile = join(dir, 'model.json');
  writeFileSync(modelFile, JSON.stringify(artifact));
  const bodies = rowsOf(table, 64).map((r) => JSON.stringify({ instances: [r] }));
  const bodiesFile = join(dir, 'bodies.ndjson');
  writeFileSync(bodiesFile, bodies.join('\n') + '\n');

  let personaEntry = [join(ROOT, 'cli/bin/persona.js')];
  if (!FROM_SOURCES) {
    personaEntry = buildBundle().entry;
  }
  console.log(
    `persona serve: ${FROM_SOURCES ? 'the sources under tsx (--tsx)' : 'the bundle, dist/persona.mjs'}`,
  );

  const servers: Server[] = [];
  const start = async (
    key: Server['key'],
    label: string,
    command: string,
    args: (port: number) => string[],
    env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' }, // as in the image
  ) => {
    const port = await freePort();
    const proc = spawn(command, args(port), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const server = { key, label, base: `http://127.0.0.1:${port}`, proc };
    servers.push(server);
    await waitReady(server);
    return server;
  };
  try {
    const bare = await start('bare', 'bare fastify route (constant)', process.execPath, (port) => [
      '--import',
      'tsx',
      join(ROOT, 'bench/predict-bare-server.ts'),
      String(port),
    ]);
    const persona = await start('persona', 'persona serve', process.execPath, (port) => [
      ...personaEntry,
      'serve',
      ...['--model-file', modelFile, '--port', String(port), '--host', '127.0.0.1', '--drain-delay', '0s'],
    ]);
    const gunicorn = findGunicorn();
    const flask = gunicorn
      ? await start(
          'flask',
          `Flask + scikit-learn, Gunicorn -w ${cores}`,
          gunicorn,
          (port) => [
            '-w',
            String(cores),
            '-b',
            `127.0.0.1:${port}`,
            '--chdir',
            join(ROOT, 'bench'),
            'predict_flask:app',
          ],
          { ...process.env, MODEL_FILE: modelFile },
        )
      : undefined;
    if (!flask) console.log('gunicorn not found (Debian: python3-flask python3-sklearn gunicorn): no peer');

    for (const s of servers) {
      const res = await fetch(`${s.base}${PREDICT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[0],
      });
      if (res.status !== 200) throw new Error(`${s.label} answered ${res.status}: ${await res.text()}`);
      await load(s, bodiesFile, { durationS: 3 }); // warm-up: JIT, connection pools
    }

    console.log('\npeak, one JSON record per request:');
    const order = [persona, bare, ...(flask ? [flask] : [])];
    const rounds = new Map<Server['key'], Round[]>(order.map((s) => [s.key, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of r % 2 === 0 ? order : [...order].reverse()) {
        const result = await load(s, bodiesFile);
        rounds.get(s.key)!.push(result);
        console.log(roundLine(`round ${r + 1} ${s.label}`, result));
      }
    }
    const cpu = new Map([...rounds].map(([k, rs]) => [k, spread(rs.map((x) => x.cpuUsPerRequest))]));
    const rps = new Map([...rounds].map(([k, rs]) => [k, spread(rs.map((x) => x.rps))]));
    console.log(`\nmedian (min..max) over ${ROUNDS} rounds:`);
    for (const s of order) {
      console.log(
        `  ${s.label.padEnd(40)} server CPU ${range(cpu.get(s.key)!, 1)} µs/req   ${range(rps.get(s.key)!)} req/s`,
      );
    }
    const cpuRatio = cpu.get('bare')!.median / cpu.get('persona')!.median;
    const rpsRatio = rps.get('persona')!.median / rps.get('bare')!.median;
    const problem = (x: number) =>
      x > 1 ? '  MEASUREMENT PROBLEM: above 1.0, the bare route cannot be slower' : '';
    console.log(`\npersona serve / bare route:`);
    console.log(`  by server CPU per request: ${cpuRatio.toFixed(3)}  (goal >= 0.85)${problem(cpuRatio)}`);
    console.log(`  by requests/s:             ${rpsRatio.toFixed(3)}  (goal >= 0.85)${problem(rpsRatio)}`);
    let flaskRatios: { cpu: number; rps: number } | undefined;
    if (flask) {
      flaskRatios = {
        cpu: cpu.get('flask')!.median / cpu.get('persona')!.median,
        rps: rps.get('persona')!.median / rps.get('flask')!.median,
      };
      console.log(`persona serve / Flask + Gunicorn:`);
      console.log(`  by server CPU per request: ${flaskRatios.cpu.toFixed(2)}x  (goal >= 5x)`);
      console.log(`  by requests/s:             ${flaskRatios.rps.toFixed(2)}x  (goal >= 5x)`);
    }

    const half = Math.max(1, Math.round(rps.get('persona')!.median / 2));
    console.log(
      `\nlatency at half the predictor's median peak: ${fmt(half)} req/s on a fixed schedule, ${LATENCY_S} s per run, ` +
        `up to ${OPEN_LOOP_CONNECTIONS} connections, latency from each request's due time` +
        (PIN ? `; servers on cores ${PIN.server}, the generator on cores ${PIN.generator}:` : ':'),
    );
    const latencyOrder = [persona, bare, bare, persona];
    if (PIN) for (const s of [persona, bare]) pinProcess(s.proc.pid!, PIN.server);
    const latencyRounds = new Map<Server['key'], Round[]>([
      ['persona', []],
      ['bare', []],
    ]);
    const gcBefore = await serverMetrics(persona);
    const latencyLine = (label: string, r: Round) => {
      const o = r.outcome;
      return (
        `  ${label.padEnd(40)} p50 ${fmt(o.latency.p50, 2)}  p99 ${fmt(o.latency.p99, 2)}  p99.9 ${fmt(o.latency.p999, 2)}  max ${fmt(o.latency.max, 1)} ms` +
        `  (written late by p99 ${fmt(o.sendLag!.p99, 2)} ms; service p99 ${fmt(o.service!.p99, 2)} ms)` +
        (o.non2xx || o.errors ? `  non-2xx ${o.non2xx} errors ${o.errors}` : '')
      );
    };
    for (const [i, s] of latencyOrder.entries()) {
      const r = await load(s, bodiesFile, { rate: half, durationS: LATENCY_S, cores: PIN?.generator });
      latencyRounds.get(s.key)!.push(r);
      console.log(latencyLine(`run ${i + 1} ${s.label}`, r));
    }
    const gc = gcBetween(gcBefore, await serverMetrics(persona));
    const p99 = (key: Server['key']) => spread(latencyRounds.get(key)!.map((r) => r.outcome.latency.p99));
    const personaP99 = p99('persona');
    console.log(
      `  p99, median (min..max) of the runs: persona serve ${range(personaP99, 2)} ms ` +
        `(goal <= 5 ms: ${personaP99.median <= 5 ? 'met' : 'NOT met'}), bare route ${range(p99('bare'), 2)} ms`,
    );
    console.log(
      `  persona serve over its two runs: ${gc.collections} GCs, ${fmt(gc.totalMs, 1)} ms in all, ${gc.over10ms} longer than 10 ms; ` +
        `event-loop delay max ${fmt(gc.loopDelayMaxMs, 1)} ms`,
    );

    console.log(`\nbatch scoring, ${fmt(BATCH_ROWS)}-row batches:`);
    const batchRows = rowsOf(table, BATCH_ROWS, 64);
    const scorer = createScorer(artifact);
    scorer.predictBatch(batchRows);
    let t = performance.now();
    for (let i = 0; i < BATCH_REPEATS; i++) scorer.predictBatch(batchRows);
    const inProcess = (BATCH_ROWS * BATCH_REPEATS) / ((performance.now() - t) / 1000);
    console.log(`  in-process scorer.predictBatch  ${fmt(inProcess).padStart(12)} rows/s`);
    const batchBody = JSON.stringify({ instances: batchRows });
    const post = async () => {
      const res = await fetch(`${persona.base}${PREDICT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: batchBody,
      });
      if (res.status !== 200) throw new Error(`batch answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    await post();
    t = performance.now();
    for (let i = 0; i < BATCH_REPEATS; i++) await post();
    const overHttp = (BATCH_ROWS * BATCH_REPEATS) / ((performance.now() - t) / 1000);
    console.log(`  over HTTP (V1)                  ${fmt(overHttp).padStart(12)} rows/s`);

    keepRecord(run, {
      predictor: FROM_SOURCES ? 'tsx' : 'bundle',
      fixedRateCores: PIN ?? null,
      connections: CONNECTIONS,
      durationS: DURATION_S,
      rounds: Object.fromEntries(
        [...rounds].map(([k, rs]) => [
          k,
          rs.map((x) => ({ rps: x.rps, cpuUsPerRequest: x.cpuUsPerRequest, ...x.outcome })),
        ]),
      ),
      cpuUsPerRequest: Object.fromEntries(cpu),
      rps: Object.fromEntries(rps),
      ratioToBare: { cpu: cpuRatio, rps: rpsRatio },
      ratioToFlask: flaskRatios ?? null,
      halfPeak: {
        offered: half,
        runs: Object.fromEntries([...latencyRounds].map(([k, rs]) => [k, rs.map((r) => r.outcome)])),
        personaGc: gc,
      },
      batchRowsPerS: { inProcess, overHttp },
    });
  } finally {
    await Promise.all(servers.map((s) => stop(s.proc)));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
