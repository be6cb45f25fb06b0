// bench:train — the training sweep (k = 2..10, nInit 10, silhouette on a 10k sample) on
// 100k rows x 10 features through trainModel, and scikit-learn's KMeans + silhouette_score on
// the same rows in the same run when python3 with scikit-learn is available. Prints both times,
// the ratio, inertia per k side by side, and where our time goes.
//
// Env: BENCH_ROWS (100000), BENCH_FEATURES (10), BENCH_N_INIT (10), BENCH_WORKERS (automatic),
// PYTHON (interpreter with scikit-learn; default: python3, then /usr/bin/python3).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Table } from '../core/src/data/table.ts';
import { createRng } from '../core/src/random/rng.ts';
import { trainModel } from '../core/src/train/train.ts';

const N = Number(process.env.BENCH_ROWS ?? 100_000);
const D = Number(process.env.BENCH_FEATURES ?? 10);
const N_INIT = Number(process.env.BENCH_N_INIT ?? 10);
const K_MIN = 2;
const K_MAX = 10;
const SAMPLE = 10_000;
const WORKERS = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : undefined;

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
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return undefined;
}

interface SkResult {
  total_s: number;
  kmeans_s: number;
  silhouette_s: number;
  version: string;
  per_k: { k: number; inertia: number; silhouette: number; iterations: number }[];
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

console.log(
  `bench:train  ${N} rows x ${D} features, k = ${K_MIN}..${K_MAX}, nInit ${N_INIT}, silhouette on ${SAMPLE} rows, ${availableParallelism()} CPUs`,
);

let seedingMs = 0;
let lloydMs = 0;
let iterations = 0;
let sweepEnd = 0;
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
      }
    },
  },
);
const ourMs = performance.now() - t0;
const sweepMs = sweepEnd - t0;
const metricsMs = ourMs - sweepMs;

let sk: SkResult | undefined;
const python = findPython();
if (python) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-train-'));
  try {
    const file = join(dir, 'x.f64');
    writeFileSync(file, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    const script = new URL('./train_sklearn.py', import.meta.url).pathname;
    const out = execFileSync(
      python,
      [script, file, String(N), String(D), String(K_MIN), String(K_MAX), String(N_INIT), String(SAMPLE)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    sk = JSON.parse(out) as SkResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('\n    k   inertia (ours)   inertia (sklearn)   rel. diff   silhouette (ours / sklearn)');
let worst = 0;
for (const m of artifact.metrics.perK) {
  const s = sk?.per_k.find((p) => p.k === m.k);
  const rel = s ? (m.inertia - s.inertia) / s.inertia : NaN;
  if (s) worst = Math.max(worst, Math.abs(rel));
  console.log(
    `${String(m.k).padStart(5)}  ${m.inertia.toFixed(2).padStart(15)}  ${s ? s.inertia.toFixed(2).padStart(18) : '-'.padStart(18)}  ${s ? `${(rel * 100).toFixed(4)} %`.padStart(10) : '-'.padStart(10)}   ${m.silhouette?.toFixed(4) ?? '-'} / ${s ? s.silhouette.toFixed(4) : '-'}`,
  );
}

console.log(`\nours:    ${(ourMs / 1000).toFixed(2)} s total (chose k = ${artifact.metrics.k})`);
console.log(`  k-means sweep (wall)         ${(sweepMs / 1000).toFixed(2)} s`);
console.log(`    seeding (summed over threads)  ${(seedingMs / 1000).toFixed(2)} s`);
console.log(
  `    ml-kmeans Lloyd iterations     ${(lloydMs / 1000).toFixed(2)} s (${iterations} iterations, ${(lloydMs / Math.max(1, iterations)).toFixed(1)} ms each)`,
);
console.log(`  silhouette + CH + DB + artifact  ${(metricsMs / 1000).toFixed(2)} s`);
const parts = [
  ['ml-kmeans Lloyd iterations', lloydMs],
  ['k-means++ seeding', seedingMs],
  ['silhouette/metrics', metricsMs],
] as const;
const top = [...parts].sort((a, b) => b[1] - a[1])[0];
console.log(`  dominated by: ${top[0]}`);
if (sk) {
  console.log(
    `scikit-learn ${sk.version}: ${sk.total_s.toFixed(2)} s total (KMeans ${sk.kmeans_s.toFixed(2)} s, silhouette_score ${sk.silhouette_s.toFixed(2)} s)`,
  );
  console.log(`\nratio ours / scikit-learn: ${(ourMs / 1000 / sk.total_s).toFixed(3)}  (goal <= 1.0)`);
  console.log(`worst inertia difference: ${(worst * 100).toFixed(4)} %  (goal <= 0.1 %)`);
} else {
  console.log('\nscikit-learn not found (install python3-sklearn or set PYTHON): no ratio.');
}
