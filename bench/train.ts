// bench:train — the training sweep (k = 2..10, nInit 10, silhouette on a 10k sample) on
// 100k rows x 10 features, against scikit-learn's KMeans + silhouette_score on the same rows in
// the same run (bench/train_sklearn.py), each run 3 times in ABBA order; medians compared.
// Goals: our time <= 0.7x scikit-learn's, and inertia per k within 0.1 % of scikit-learn's
// (a worse optimum at any k fails the goal).
//
// Flags: --bundle (train with the bundle users run, `node dist/persona.mjs train`, on a CSV of
// the rows; default: trainModel in this process under tsx), --json (record under bench/results).
// Env: BENCH_ROWS (100000), BENCH_FEATURES (10), BENCH_N_INIT (10), BENCH_RUNS (3),
// BENCH_WORKERS (automatic), PYTHON (interpreter with scikit-learn; default python3, then
// /usr/bin/python3).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KMetrics } from '../core/src/artifact/types.ts';
import type { Table } from '../core/src/data/table.ts';
import { createRng } from '../core/src/random/rng.ts';
import { trainModel } from '../core/src/train/train.ts';
import { keepRecord, spread, startBench, type Spread } from './record.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_ROWS ?? 100_000);
const D = Number(process.env.BENCH_FEATURES ?? 10);
const N_INIT = Number(process.env.BENCH_N_INIT ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const K_MIN = 2;
const K_MAX = 10;
const SAMPLE = 10_000;
const WORKERS = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : undefined;
const BUNDLE = process.argv.includes('--bundle');
const TIME_GOAL = 0.7;
const INERTIA_GOAL = 1e-3;

/** Eight Gaussian blobs of different sizes and spreads, so k = 2..10 all have real work to do. */
function generate(): Float64Array {
  const rng = createRng(2024);
  const blobs = Array.from({ length: 8 }, () => ({
    centre: Array.from({ length: D }, () => rng.normal() * 4),
    spread: 0.6 + rng.next() * 1.2,
    weight: 0.5 + rng.next(),
  }));
  const total = blobs.reduce((a, b) => a + b.weight, 0);
  const x = new Float64Array(N * D);
  for (let i = 0; i < N; i++) {
    let u = rng.next() * total;
    let b = 0;
    while (b < blobs.length - 1 && u >= blobs[b].weight) u -= blobs[b++].weight;
    const blob = blobs[b];
    for (let t = 0; t < D; t++) x[i * D + t] = blob.centre[t] + rng.normal() * blob.spread;
  }
  return x;
}

function findPython(): string | undefined {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  return candidates.find((py) => spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0);
}

interface SkRun {
  total_s: number;
  kmeans_s: number;
  silhouette_s: number;
  version: string;
  per_k: { k: number; inertia: number; silhouette: number; iterations: number }[];
}

interface OurRun {
  seconds: number;
  threads: number;
  perK: KMetrics[];
  chosenK: number;
  /** In-process runs only: where the time went, summed over threads. */
  parts?: { seedingS: number; lloydS: number; iterations: number; sweepWallS: number };
}

const x = generate();
const table: Table = {
  rowCount: N,
  columns: Array.from({ length: D }, (_, t) => ({
    name: `f${t}`,
    type: 'numeric' as const,
    values: Float64Array.from({ length: N }, (_, i) => x[i * D + t]),
  })),
};

async function oursInProcess(): Promise<OurRun> {
  let seedingMs = 0;
  let lloydMs = 0;
  let iterations = 0;
  let sweepEnd = 0;
  let threads = 0;
  const t0 = performance.now();
  const artifact = await trainModel(
    table,
    {
      features: table.columns.map((c) => ({ name: c.name, type: 'numeric' })),
      mode: 'fit',
      k: { min: K_MIN, max: K_MAX },
      nInit: N_INIT,
      seed: 0,
      silhouetteSampleSize: SAMPLE,
      workers: WORKERS,
    },
    {
      onProgress: (e) => {
        if (e.phase === 'restart') {
          seedingMs += e.seedingMs;
          lloydMs += e.lloydMs;
          iterations += e.iterations;
        } else if (e.phase === 'metrics') {
          sweepEnd = performance.now();
        } else {
          threads = e.threads;
        }
      },
    },
  );
  return {
    seconds: (performance.now() - t0) / 1000,
    threads,
    perK: artifact.metrics.perK,
    chosenK: artifact.metrics.k,
    parts: {
      seedingS: seedingMs / 1000,
      lloydS: lloydMs / 1000,
      iterations,
      sweepWallS: (sweepEnd - t0) / 1000,
    },
  };
}

function oursBundle(bundle: string, csv: string): OurRun {
  const args = [
    bundle,
    'train',
    ...['--data', csv, '--json', '--k', `${K_MIN}..${K_MAX}`, '--n-init', String(N_INIT), '--seed', '0'],
    ...['--silhouette-sample', String(SAMPLE), ...(WORKERS ? ['--workers', String(WORKERS)] : [])],
  ];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`persona train failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const summary = JSON.parse(run.stdout) as { k: number; perK: KMetrics[]; durationMs: number };
  const threads = /restarts on (\d+|one) threads?/.exec(run.stderr)?.[1];
  return {
    // The CLI's own training time: from the parsed table to the artifact, as scikit-learn's.
    seconds: summary.durationMs / 1000,
    threads: threads === 'one' ? 1 : Number(threads ?? NaN),
    perK: summary.perK,
    chosenK: summary.k,
  };
}

function skRun(python: string, file: string): SkRun {
  const script = join(ROOT, 'bench/train_sklearn.py');
  const out = execFileSync(
    python,
    [script, file, String(N), String(D), String(K_MIN), String(K_MAX), String(N_INIT), String(SAMPLE)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out) as SkRun;
}

const bench = startBench('bench:train');
console.log(
  `${N} rows x ${D} features, k = ${K_MIN}..${K_MAX}, nInit ${N_INIT}, silhouette on ${SAMPLE} rows; ${RUNS} runs each in ABBA order`,
);
console.log(
  `ours: ${BUNDLE ? 'the bundle, node dist/persona.mjs train (CSV in)' : 'trainModel in this process, the sources under tsx'}`,
);

const dir = mkdtempSync(join(tmpdir(), 'bench-train-'));
try {
  const file = join(dir, 'x.f64');
  writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  let runOurs: () => Promise<OurRun> = oursInProcess;
  if (BUNDLE) {
    const csv = join(dir, 'rows.csv');
    const lines = [table.columns.map((c) => c.name).join(',')];
    // String(double) round-trips exactly, so both sides train on the same values.
    for (let i = 0; i < N; i++) lines.push(Array.from(x.subarray(i * D, i * D + D), String).join(','));
    writeFileSync(csv, lines.join('\n') + '\n');
    const dist = join(ROOT, 'dist');
    execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), dist], { stdio: 'ignore' });
    runOurs = async () => oursBundle(join(dist, 'persona.mjs'), csv);
  }
  const python = findPython();
  if (!python) console.log('scikit-learn not found (install python3-sklearn or set PYTHON): ours only');

  const ours: OurRun[] = [];
  const sk: SkRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? ['ours', 'sk'] : ['sk', 'ours'];
    for (const side of order) {
      if (side === 'ours') {
        const o = await runOurs();
        ours.push(o);
        console.log(
          `  run ${r + 1} ours          ${o.seconds.toFixed(2)} s (restarts on ${o.threads} threads)`,
        );
      } else if (python) {
        const s = skRun(python, file);
        sk.push(s);
        console.log(`  run ${r + 1} scikit-learn  ${s.total_s.toFixed(2)} s`);
      }
    }
  }

  const first = ours[0];
  const skFirst = sk[0];
  console.log('\n    k   inertia (ours)   inertia (sklearn)   rel. diff   silhouette (ours / sklearn)');
  const worse: number[] = [];
  let worst = 0;
  for (const m of first.perK) {
    const s = skFirst?.per_k.find((p) => p.k === m.k);
    const rel = s ? (m.inertia - s.inertia) / s.inertia : NaN;
    if (s) worst = Math.max(worst, rel);
    if (rel > INERTIA_GOAL) worse.push(m.k);
    console.log(
      `${String(m.k).padStart(5)}  ${m.inertia.toFixed(2).padStart(15)}  ${s ? s.inertia.toFixed(2).padStart(18) : '-'.padStart(18)}  ${s ? `${(rel * 100).toFixed(4)} %`.padStart(10) : '-'.padStart(10)}   ${m.silhouette?.toFixed(4) ?? '-'} / ${s ? s.silhouette.toFixed(4) : '-'}`,
    );
  }

  const ourTime = spread(ours.map((o) => o.seconds));
  const fmt = (s: Spread) => `${s.median.toFixed(2)} s (${s.min.toFixed(2)}..${s.max.toFixed(2)})`;
  console.log(
    `\nours, median (min..max): ${fmt(ourTime)}, chose k = ${first.chosenK}, restarts on ${first.threads} threads`,
  );
  if (first.parts) {
    const p = first.parts;
    console.log(`  k-means sweep (wall)                     ${p.sweepWallS.toFixed(2)} s`);
    console.log(`    k-means++ seeding (summed over threads) ${p.seedingS.toFixed(2)} s`);
    console.log(
      `    ml-kmeans Lloyd (summed over threads)   ${p.lloydS.toFixed(2)} s, ${p.iterations} iterations`,
    );
    console.log(`  silhouette + CH + DB + artifact (wall)   ${(first.seconds - p.sweepWallS).toFixed(2)} s`);
  }
  let figures: Record<string, unknown> = { ours: ourTime, oursRuns: ours, mode: BUNDLE ? 'bundle' : 'tsx' };
  if (skFirst) {
    const skTime = spread(sk.map((s) => s.total_s));
    const ratio = ourTime.median / skTime.median;
    console.log(`scikit-learn ${skFirst.version}, median (min..max): ${fmt(skTime)}`);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    console.log(
      `\nratio ours / scikit-learn (medians): ${ratio.toFixed(3)}  (goal <= ${TIME_GOAL}: ${verdict(ratio <= TIME_GOAL)})`,
    );
    console.log(
      `largest inertia excess over scikit-learn: ${(Math.max(0, worst) * 100).toFixed(4)} %  (goal <= 0.1 % at every k: ${verdict(worse.length === 0)})`,
    );
    if (worse.length)
      console.log(`FAILED GOAL: a worse optimum than scikit-learn's at k = ${worse.join(', ')}`);
    figures = { ...figures, scikitLearn: skTime, scikitLearnRuns: sk, ratio, worseOptimumAtK: worse };
  }
  keepRecord(bench, figures);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
