// bench:drift — each of our drift tests against its scipy counterpart on the same data in the
// same run: KS against ks_2samp, Wasserstein (in units of the reference's standard deviation,
// as ours) against wasserstein_distance, chi-square goodness of fit against chisquare, on 1M
// rows (reference and current each) x 20 numeric and 5 categorical columns. Each pair is timed
// as median of 3 runs, with the agreement of the statistics; then the persona tests' extra cost
// on 1M current rows (bench/drift-personas.ts). Flags: --json. Environment: DRIFT_BENCH_ROWS,
// DRIFT_BENCH_COLUMNS, DRIFT_BENCH_ROUNDS (persona rounds, 5), DRIFT_BENCH_ONLY (tests or
// personas: one part), PYTHON (an interpreter with scipy; Debian: python3-scipy).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeDrift, type DriftColumn, type DriftTable } from '../core/src/drift/index.ts';
import { computeDriftParallel } from '../core/src/drift/parallel.ts';
import { personaCost } from './drift-personas.ts';
import { keepRecord, spread, startBench, type Spread } from './record.ts';

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

const CATEGORICAL = 5;
const CATEGORIES = 8;
const REPEATS = 3;

function categoricalColumn(seed: number, n: number, tilt: number): string[] {
  const u = rng(seed);
  // Category c has weight 1 + c / 4, plus `tilt` on the first category in the current data.
  const weights = Array.from({ length: CATEGORIES }, (_, c) => 1 + c / 4 + (c === 0 ? tilt : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let x = u() * total;
    let c = 0;
    while (c < CATEGORIES - 1 && x >= weights[c]) x -= weights[c++];
    out[i] = `c${c}`;
  }
  return out;
}

function categoricalTable(seed: number, tilt: number): DriftTable {
  return {
    columns: Array.from({ length: CATEGORICAL }, (_, c) => ({
      name: `g${c}`,
      type: 'categorical' as const,
      values: categoricalColumn(seed + c, ROWS, c % 2 ? tilt : 0),
    })),
  };
}

function writeCodes(path: string, t: DriftTable): void {
  const buf = new Uint8Array(ROWS * CATEGORICAL);
  t.columns.forEach((c, i) => {
    const values = c.values as string[];
    for (let r = 0; r < ROWS; r++) buf[i * ROWS + r] = Number(values[r].slice(1));
  });
  writeFileSync(path, buf);
}

// The scipy side: each test per column, timed like ours (median of REPEATS), the statistic
// and p-value of the last run kept for the agreement check. Categorical columns arrive as
// strings, as ours do; chisquare gets the reference shares scaled to the current size, as ours.
const PY = `
import json, sys, time
import numpy as np
import scipy
from scipy import stats
ref_path, cur_path, refc_path, curc_path = sys.argv[1:5]
rows, cols, ccols, repeats = map(int, sys.argv[5:9])
ref = np.fromfile(ref_path, dtype='<f8').reshape(cols, rows)
cur = np.fromfile(cur_path, dtype='<f8').reshape(cols, rows)
to_str = np.vectorize(lambda c: 'c%d' % c)
refc = [to_str(r) for r in np.fromfile(refc_path, dtype='u1').reshape(ccols, rows)]
curc = [to_str(r) for r in np.fromfile(curc_path, dtype='u1').reshape(ccols, rows)]

def ks(c):
    r = stats.ks_2samp(ref[c], cur[c])
    return [float(r.statistic), float(r.pvalue)]

def wasserstein(c):
    return [float(stats.wasserstein_distance(ref[c], cur[c]) / max(np.std(ref[c]), 0.001)), None]

def chisquare(c):
    keys, ref_counts = np.unique(refc[c], return_counts=True)
    cur_keys, cur_counts = np.unique(curc[c], return_counts=True)
    observed = np.array([cur_counts[cur_keys == k].sum() for k in keys], dtype=float)
    expected = ref_counts * (observed.sum() / ref_counts.sum())
    r = stats.chisquare(observed, expected)
    return [float(r.statistic), float(r.pvalue)]

out = {"scipy": scipy.__version__}
ks(0)
for name, fn, n in (("ks", ks, cols), ("wasserstein", wasserstein, cols), ("chisquare", chisquare, ccols)):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        results = [fn(c) for c in range(n)]
        times.append(time.perf_counter() - t0)
    out[name] = {"seconds": times, "columns": results}
print(json.dumps(out))
`;

/** The first interpreter that can import scipy: $PYTHON, python3 on PATH, then Debian's. */
function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((p) => spawnSync(p, ['-c', 'import scipy'], { stdio: 'ignore' }).status === 0);
}

async function timed<T>(fn: () => T | Promise<T>): Promise<{ seconds: number[]; value: T }> {
  const seconds: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    value = await fn();
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, value: value! };
}

interface ScipyTest {
  seconds: number[];
  columns: [number, number | null][];
}

const fmt = (s: Spread) => `${s.median.toFixed(2)} s (${s.min.toFixed(2)}..${s.max.toFixed(2)})`;

async function compareTests(): Promise<Record<string, unknown>> {
  console.log(
    `tests: ${ROWS} rows x ${COLUMNS} numeric + ${CATEGORICAL} categorical columns, reference and current each; median (min..max) of ${REPEATS}`,
  );
  const reference = table('f', 1000, () => 0);
  // A quarter of the columns drift a little; the rest come from the same distribution.
  const current = table('f', 2000, (c) => (c % 4 === 0 ? 0.01 : 0));
  const refCat = categoricalTable(3000, 0);
  const curCat = categoricalTable(4000, 0.05);

  // Warm the JIT on a small slice so the timed runs measure steady-state code.
  const slice = (t: DriftTable): DriftTable => ({
    columns: t.columns.map((c) => ({ ...c, values: c.values.slice(0, 20000) }) as DriftColumn),
  });
  computeDrift(slice(reference), slice(current), { numeric: 'ks' });
  computeDrift(slice(reference), slice(current), { numeric: 'wasserstein' });
  computeDrift(slice(refCat), slice(curCat), { categorical: 'chisquare' });

  const ours = {
    ks: await timed(() => computeDrift(reference, current, { numeric: 'ks' })),
    wasserstein: await timed(() => computeDrift(reference, current, { numeric: 'wasserstein' })),
    chisquare: await timed(() => computeDrift(refCat, curCat, { categorical: 'chisquare' })),
  };
  const ks2 = await timed(() => computeDriftParallel(reference, current, { numeric: 'ks' }, { threads: 2 }));

  const python = findPython();
  let scipy: Record<'ks' | 'wasserstein' | 'chisquare', ScipyTest> & { scipy: string } = undefined!;
  if (python) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-drift-'));
    try {
      const paths = ['reference.f64', 'current.f64', 'reference.u8', 'current.u8'].map((f) => join(dir, f));
      writeColumns(paths[0], reference);
      writeColumns(paths[1], current);
      writeCodes(paths[2], refCat);
      writeCodes(paths[3], curCat);
      const args = [...paths, ROWS, COLUMNS, CATEGORICAL, REPEATS].map(String);
      const py = spawnSync(python, ['-c', PY, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (py.status !== 0) throw new Error(`scipy run failed: ${py.stderr}`);
      scipy = JSON.parse(py.stdout) as typeof scipy;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    console.log('scipy: not found (install python3-scipy or set PYTHON); ours only');
  }

  const labels = {
    ks: 'KS / ks_2samp',
    wasserstein: 'Wasserstein / wasserstein_distance',
    chisquare: 'chi-square / chisquare',
  } as const;
  const figures: Record<string, unknown> = { scipy: scipy?.scipy ?? null };
  console.log(
    `\n${'test'.padEnd(36)} ${'ours (1 thread)'.padEnd(24)} ${'scipy (1 thread)'.padEnd(24)} ours/scipy   max |Δ statistic|  max rel. |Δ p|`,
  );
  for (const name of ['ks', 'wasserstein', 'chisquare'] as const) {
    const o = spread(ours[name].seconds);
    const py = scipy ? spread(scipy[name].seconds) : undefined;
    let dStat = 0;
    let dP = 0;
    if (scipy) {
      ours[name].value.columns.forEach((c, i) => {
        const [st, p] = scipy[name].columns[i];
        dStat = Math.max(dStat, Math.abs(c.statistic - st));
        if (p !== null) dP = Math.max(dP, Math.abs((c.pValue ?? NaN) - p) / Math.max(p, 1e-300));
      });
    }
    const ratio = py ? o.median / py.median : NaN;
    console.log(
      `${labels[name].padEnd(36)} ${fmt(o).padEnd(24)} ${(py ? fmt(py) : '-').padEnd(24)} ${(py ? ratio.toFixed(2) : '-').padStart(10)}   ${py ? dStat.toExponential(1).padStart(16) : '-'}  ${py && name !== 'wasserstein' ? dP.toExponential(1) : '-'}`,
    );
    figures[name] = {
      ours: o,
      scipy: py ?? null,
      ratio: py ? ratio : null,
      maxStatisticDiff: dStat,
      maxRelativePDiff: dP,
    };
  }
  const k2 = spread(ks2.seconds);
  console.log(`${'KS, 2 worker threads (ours only)'.padEnd(36)} ${fmt(k2)}`);
  figures.ks2Threads = k2;
  return figures;
}

const only = process.env.DRIFT_BENCH_ONLY;
if (only !== undefined && only !== 'tests' && only !== 'personas') {
  throw new Error(`DRIFT_BENCH_ONLY must be tests or personas, got ${only}`);
}
const run = startBench('bench:drift');
const record: Record<string, unknown> = { rows: ROWS, columns: COLUMNS };
if (only !== 'personas') record.tests = await compareTests();
if (only !== 'tests') record.personas = await personaCost(ROWS, COLUMNS);
keepRecord(run, record);
