// bench:train — the training sweep (k = 2..10, nInit 10, silhouette on a 10k sample) on
// 100k rows x 10 features, against scikit-learn's KMeans + silhouette_score on the same rows in
// the same run (bench/train_sklearn.py), each run 3 times in ABBA order; medians compared.
// Goals: our time <= 0.7x scikit-learn's, and inertia per k within 0.1 % of scikit-learn's
// (a worse optimum at any k fails the goal).
//
// Flags: --rows N runs bench/train-large.ts instead; --bundle (train with the bundle users run, `node dist/persona.mjs train`, on a CSV of
// the rows; default: trainModel in this process under tsx), --json (record under bench/results).
// Env: BENCH_ROWS (100000), BENCH_FEATURES (10), BENCH_N_INIT (10), BENCH_RUNS (3),
// BENCH_WORKERS (automatic), PYTHON (interpreter with scikit-learn; default python3, then
// /usr/bin/python3).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KMetrics } from '../core/src/artifact/types.ts';
import type { Table } from '../core/src/data/table.ts';
import { createRng } from '../core/src/random/rng.ts';
import { trainModel } from '../core/src/train/train.ts';
import { buildBundle } from './bundle.ts';
import { keepRecord, spread, startBench, type Spread } from './record.ts';

// --rows N: the table-larger-than-memory bench (mini-batch from Postgres against MiniBatchKMeans).
if (process.argv.includes('--rows')) {
  await import('./train-large.ts');
  process.exit();
}

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
  /** In-process runs only: where the time went; the per-restart parts are summed over threads. */
  parts?: {
    sweepWallS: number;
    seedingSummedS: number;
    lloydSummedS: number;
    sampleIterations: number;
    iterations: number;
  };
}

/** One way of running our training; a new trainer (chosen by a flag) is one more case in chooseTrainer. */
interface Trainer {
  /** Printed before the runs: which code path runs. */
  describe: string;
  run(): Promise<OurRun>;
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
  let sampleIterations = 0;
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
          sampleIterations += e.sampleIterations;
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
      sweepWallS: (sweepEnd - t0) / 1000,
      seedingSummedS: seedingMs / 1000,
      lloydSummedS: lloydMs / 1000,
      sampleIterations,
      iterations,
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
  if (!threads)
    throw new Error(`persona train did not say how many threads it used: ${run.stderr.slice(-500)}`);
  return {
    // The CLI's own training time: from the parsed table to the artifact, as scikit-learn's.
    seconds: summary.durationMs / 1000,
    threads: threads === 'one' ? 1 : Number(threads),
    perK: summary.perK,
    chosenK: summary.k,
  };
}

/** Builds the bundle from this checkout (into dist/, where it finds node_modules) and trains with it on a CSV of the rows. */
function bundleTrainer(dir: string): Trainer {
  const csv = join(dir, 'rows.csv');
  const lines = [table.columns.map((c) => c.name).join(',')];
  // String(double) round-trips exactly, so both sides train on the same values.
  for (let i = 0; i < N; i++) lines.push(Array.from(x.subarray(i * D, i * D + D), String).join(','));
  writeFileSync(csv, lines.join('\n') + '\n');
  const { dir: dist, file: bundle } = buildBundle();
  const workers = readdirSync(dist).filter((f) => f.endsWith('-worker.mjs'));
  return {
    describe: `the bundle, node ${relative(ROOT, bundle)} train (built from this checkout just now, ${statSync(bundle).size} bytes, with ${workers.join(', ')}; CSV in)`,
    run: async () => oursBundle(bundle, csv),
  };
}

function chooseTrainer(dir: string): Trainer {
  if (BUNDLE) return bundleTrainer(dir);
  return { describe: 'trainModel in this process, the sources under tsx', run: oursInProcess };
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

const dir = mkdtempSync(join(tmpdir(), 'bench-train-'));
try {
  const file = join(dir, 'x.f64');
  writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const trainer = chooseTrainer(dir);
  console.log(`ours: ${trainer.describe}`);
  const python = findPython();
  if (!python) console.log('scikit-learn not found (install python3-sklearn or set PYTHON): ours only');

  const ours: OurRun[] = [];
  const sk: SkRun[] = [];
  for (let r = 0; r < RUNS; r++) {
    const order = r % 2 === 0 ? ['ours', 'sk'] : ['sk', 'ours'];
    for (const side of order) {
      if (side === 'ours') {
        const o = await trainer.run();
        ours.push(o);
        console.log(
          `  run ${r + 1} ours          ${o.seconds.toFixed(2)} s (restarts on ${o.threads} threads)`,
        );
      } else if (python) {
        const s = skRun(python, file);
        sk.push(s);
        console.log(
          `  run ${r + 1} scikit-learn  ${s.total_s.toFixed(2)} s (KMeans ${s.kmeans_s.toFixed(2)} s, silhouette_score ${s.silhouette_s.toFixed(2)} s)`,
        );
      }
    }
  }

  // Per k, the worst of our runs against the best of scikit-learn's (both are seeded, so the
  // runs should agree; taking the extremes means a flaky optimum cannot hide).
  console.log('\n    k   inertia (ours)   inertia (sklearn)   rel. diff   silhouette (ours / sklearn)');
  const worse: number[] = [];
  const perK: { k: number; ours: number; sklearn: number | null; relative: number | null }[] = [];
  let worst = -Infinity;
  for (const m of ours[0].perK) {
    const mine = Math.max(...ours.map((o) => o.perK.find((p) => p.k === m.k)!.inertia));
    const theirs = sk.length ? Math.min(...sk.map((s) => s.per_k.find((p) => p.k === m.k)!.inertia)) : null;
    const rel = theirs === null ? null : (mine - theirs) / theirs;
    perK.push({ k: m.k, ours: mine, sklearn: theirs, relative: rel });
    if (rel !== null) worst = Math.max(worst, rel);
    if (rel !== null && rel > INERTIA_GOAL) worse.push(m.k);
    const skSil = sk[0]?.per_k.find((p) => p.k === m.k)?.silhouette;
    console.log(
      `${String(m.k).padStart(5)}  ${mine.toFixed(2).padStart(15)}  ${theirs !== null ? theirs.toFixed(2).padStart(18) : '-'.padStart(18)}  ${rel !== null ? `${(rel * 100).toFixed(4)} %`.padStart(10) : '-'.padStart(10)}   ${m.silhouette?.toFixed(4) ?? '-'} / ${skSil?.toFixed(4) ?? '-'}`,
    );
  }

  const first = ours[0];
  const ourTime = spread(ours.map((o) => o.seconds));
  const fmt = (s: Spread) => `${s.median.toFixed(2)} s (${s.min.toFixed(2)}..${s.max.toFixed(2)})`;
  console.log(
    `\nours, median (min..max): ${fmt(ourTime)}, chose k = ${first.chosenK}, restarts on ${first.threads} threads`,
  );
  if (first.parts) {
    const p = first.parts;
    console.log(`  k-means sweep (wall)                                  ${p.sweepWallS.toFixed(2)} s`);
    console.log(
      `    initial centroids, k-means++ + sample Lloyd (summed over threads) ${p.seedingSummedS.toFixed(2)} s, ${p.sampleIterations} sample iterations`,
    );
    console.log(
      `    ml-kmeans Lloyd on all rows (summed over threads)   ${p.lloydSummedS.toFixed(2)} s, ${p.iterations} iterations`,
    );
    console.log(
      `  silhouette + CH + DB + artifact (wall)                ${(first.seconds - p.sweepWallS).toFixed(2)} s`,
    );
  }
  let figures: Record<string, unknown> = {
    ours: ourTime,
    oursRuns: ours,
    mode: BUNDLE ? 'bundle' : 'tsx',
    trainer: trainer.describe,
    perK,
  };
  if (sk.length) {
    const skTime = spread(sk.map((s) => s.total_s));
    const ratio = ourTime.median / skTime.median;
    console.log(
      `scikit-learn ${sk[0].version}, median (min..max): ${fmt(skTime)} (KMeans ${fmt(spread(sk.map((s) => s.kmeans_s)))}, silhouette_score ${fmt(spread(sk.map((s) => s.silhouette_s)))})`,
    );
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
    console.log(
      `\nratio ours / scikit-learn (medians): ${ratio.toFixed(3)}  (goal <= ${TIME_GOAL}: ${verdict(ratio <= TIME_GOAL)})`,
    );
    console.log(
      `largest inertia excess over scikit-learn: ${(worst * 100).toFixed(4)} %  (goal <= 0.1 % at every k: ${verdict(worse.length === 0)})`,
    );
    if (worse.length)
      console.log(`FAILED GOAL: a worse optimum than scikit-learn's at k = ${worse.join(', ')}`);
    figures = { ...figures, scikitLearn: skTime, scikitLearnRuns: sk, ratio, worseOptimumAtK: worse };
  }
  keepRecord(bench, figures);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
