// bench:drift — the drift statistics on 1M rows x 20 numeric columns (reference and current
// each), against scipy.stats.ks_2samp per column on the same data in the same run, then the
// persona tests' extra cost on 1M current rows (bench/drift-personas.ts).
// Prints times and ratios (ours / scipy; goal <= 1.0). Environment: DRIFT_BENCH_ROWS,
// DRIFT_BENCH_COLUMNS, DRIFT_BENCH_ROUNDS (persona rounds, 5), DRIFT_BENCH_ONLY (ks or
// personas: one part), PYTHON (an interpreter with scipy; Debian: python3-scipy).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeDrift, type DriftColumn, type DriftTable } from '../core/src/drift/index.ts';
import { computeDriftParallel } from '../core/src/drift/parallel.ts';
import { personaCost } from './drift-personas.ts';

const ROWS = Number(process.env.DRIFT_BENCH_ROWS ?? 1_000_000);
const COLUMNS = Number(process.env.DRIFT_BENCH_COLUMNS ?? 20);

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalColumn(seed: number, n: number, mean: number, sd: number): Float64Array {
  const u = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out[i] = mean + sd * r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = mean + sd * r * Math.sin(th);
  }
  return out;
}

function table(prefix: string, seed: number, shifted: (c: number) => number): DriftTable {
  const columns: DriftColumn[] = [];
  for (let c = 0; c < COLUMNS; c++) {
    columns.push({
      name: `${prefix}${c}`,
      type: 'numeric',
      values: normalColumn(seed + c, ROWS, shifted(c), 1 + c / 20),
    });
  }
  return { columns };
}

function writeColumns(path: string, t: DriftTable): void {
  const buf = new Float64Array(ROWS * COLUMNS);
  t.columns.forEach((c, i) => buf.set(c.values as Float64Array, i * ROWS));
  writeFileSync(path, new Uint8Array(buf.buffer));
}

const PY = `
import json, sys, time
import numpy as np
from scipy import stats
ref_path, cur_path, rows, cols = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ref = np.fromfile(ref_path, dtype='<f8').reshape(cols, rows)
cur = np.fromfile(cur_path, dtype='<f8').reshape(cols, rows)
stats.ks_2samp(ref[0][:1000], cur[0][:1000])
out = []
t0 = time.perf_counter()
for c in range(cols):
    r = stats.ks_2samp(ref[c], cur[c])
    out.append([float(r.statistic), float(r.pvalue)])
seconds = time.perf_counter() - t0
import scipy
print(json.dumps({"seconds": seconds, "columns": out, "scipy": scipy.__version__}))
`;

/** The first interpreter that can import scipy: $PYTHON, python3 on PATH, then Debian's. */
function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((p) => spawnSync(p, ['-c', 'import scipy'], { stdio: 'ignore' }).status === 0);
}

async function time<T>(fn: () => T | Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - t0) / 1000, value };
}

const fmt = (s: number) => `${s.toFixed(2)} s`;

async function main(): Promise<void> {
  console.log(`bench:drift  ${ROWS} rows x ${COLUMNS} numeric columns, reference and current each`);
  const reference = table('f', 1000, () => 0);
  // A quarter of the columns drift a little; the rest come from the same distribution.
  const current = table('f', 2000, (c) => (c % 4 === 0 ? 0.01 : 0));

  // Warm the JIT on a small slice so the timed runs measure steady-state code.
  const slice = (t: DriftTable): DriftTable => ({
    columns: t.columns.map(
      (c) => ({ ...c, values: (c.values as Float64Array).subarray(0, 20000) }) as DriftColumn,
    ),
  });
  computeDrift(slice(reference), slice(current), { numeric: 'ks' });
  computeDrift(slice(reference), slice(current));

  const ks1 = await time(() => computeDrift(reference, current, { numeric: 'ks' }));
  console.log(`ours  KS, 1 thread                 ${fmt(ks1.seconds)}`);
  const ks2 = await time(() => computeDriftParallel(reference, current, { numeric: 'ks' }, { threads: 2 }));
  console.log(`ours  KS, 2 worker threads         ${fmt(ks2.seconds)}`);
  const def1 = await time(() => computeDrift(reference, current));
  console.log(
    `ours  default tests (${def1.value.columns[0].test}), 1 thread ${fmt(def1.seconds)}  ` +
      `(drifted ${def1.value.driftedColumns}/${COLUMNS})`,
  );

  const python = findPython();
  if (!python) {
    console.log('scipy: not found (install python3-scipy or set PYTHON); no ratio printed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-drift-'));
  try {
    const refPath = join(dir, 'reference.f64');
    const curPath = join(dir, 'current.f64');
    writeColumns(refPath, reference);
    writeColumns(curPath, current);
    const run = spawnSync(python, ['-c', PY, refPath, curPath, String(ROWS), String(COLUMNS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (run.status !== 0) throw new Error(`scipy run failed: ${run.stderr}`);
    const py = JSON.parse(run.stdout) as { seconds: number; columns: [number, number][]; scipy: string };
    console.log(`scipy ks_2samp per column (${py.scipy}, 1 thread) ${fmt(py.seconds)}`);
    let maxStat = 0;
    let maxP = 0;
    ks1.value.columns.forEach((c, i) => {
      const [s, p] = py.columns[i];
      maxStat = Math.max(maxStat, Math.abs(c.statistic - s));
      maxP = Math.max(maxP, Math.abs((c.pValue ?? NaN) - p) / Math.max(p, 1e-300));
    });
    console.log(
      `agreement with scipy: max |ΔD| ${maxStat.toExponential(1)}, max relative Δp ${maxP.toExponential(1)}`,
    );
    console.log(`ratio KS 1 thread / scipy          ${(ks1.seconds / py.seconds).toFixed(2)}  (goal <= 1.0)`);
    console.log(`ratio KS 2 threads / scipy         ${(ks2.seconds / py.seconds).toFixed(2)}`);
    console.log(`ratio default tests / scipy        ${(def1.seconds / py.seconds).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.env.DRIFT_BENCH_ONLY;
if (only !== undefined && only !== 'ks' && only !== 'personas') {
  throw new Error(`DRIFT_BENCH_ONLY must be ks or personas, got ${only}`);
}
if (only !== 'personas') await main();
if (only !== 'ks') await personaCost(ROWS, COLUMNS);
