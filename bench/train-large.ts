// bench:train --rows N — training on a table larger than memory: N rows x 10 features loaded into
// Postgres by the bench (binary COPY from a generator process), then our trainer
// (`persona train --algorithm minibatch`, streaming the query) against scikit-learn's
// MiniBatchKMeans reading the same table whole, with the same k range, batch size, n_init, epoch
// limit and metric sample, in ABBA order. The seeding differs on purpose: scikit-learn keeps the
// best of n_init k-means++ seedings on init_size rows; ours runs 4 x n_init seedings to
// convergence on the sample (Lloyd) first, which is part of what is measured. Both run under one wrapper
// (bench/rusage.py) that measures wall time and peak RSS the same way. Then, on the first
// 1M rows (--subset), our mini-batch inertia per k against full Lloyd (`--algorithm lloyd`).
// Goals: our peak RSS <= 512 MB, time ratio ours / scikit-learn <= 1.0, inertia within 2 %.
//
// Flags: --rows N (10000000), --rounds R (5), --subset N (1000000; 0 skips the check), --json,
// --tsx (our trainer from the sources; by default the bundle, as the image runs it).
// Env: BENCH_DATABASE_URL (a database to keep the table in between runs; default a throwaway
// server), PYTHON (interpreter with scikit-learn; default /usr/bin/python3).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { buildBundle } from './bundle.ts';
import { keepRecord, spread, startBench, type Spread } from './record.ts';
import { startPostgres, type TestPostgres } from '../test/support/postgres.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The trainer users run (the bundle), or the sources under tsx with --tsx. */
const FROM_SOURCES = process.argv.includes('--tsx');
const PERSONA = FROM_SOURCES ? [join(ROOT, 'cli/bin/persona.js')] : buildBundle().entry;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: expected a non-negative integer`);
  return v;
}

const ROWS = flag('--rows', 10_000_000);
const ROUNDS = flag('--rounds', 5);
const SUBSET = Math.min(flag('--subset', 1_000_000), ROWS);
const D = 10;
const K_MIN = 2;
const K_MAX = 10;
const BATCH = 1024;
const N_INIT = 3;
const MAX_EPOCHS = 10;
const SAMPLE = 10_000;
const SEED = 2024;
const TABLE = 'bench_train_rows';
const RSS_GOAL_MB = 512;
const TIME_GOAL = 1.0;
const INERTIA_GOAL = 0.02;

interface Measured {
  exit: number;
  wall_s: number;
  max_rss_mb: number;
  stdout: string;
  stderr: string;
}

interface PerK {
  k: number;
  inertia: number;
  silhouette: number | null;
}

function findPython(): string | undefined {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['/usr/bin/python3', 'python3'];
  return candidates.find((py) => spawnSync(py, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0);
}
const python = findPython() ?? 'python3';

/** Runs a command under bench/rusage.py: wall time and peak RSS, measured alike for both sides. */
function measured(cmd: string[]): Measured {
  const r = spawnSync(python, [join(ROOT, 'bench/rusage.py'), ...cmd], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`rusage wrapper failed: ${r.stderr}`);
  const m = JSON.parse(r.stdout) as Measured;
  if (m.exit !== 0) throw new Error(`${cmd.slice(0, 3).join(' ')} ... failed (${m.exit}): ${m.stderr}`);
  return m;
}

async function loadTable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tag = `rows=${ROWS} features=${D} seed=${SEED}`;
    const existing = await client.query<{ tag: string | null }>(
      'SELECT obj_description(to_regclass($1), $2) AS tag',
      [TABLE, 'pg_class'],
    );
    if (existing.rows[0]?.tag === tag) {
      console.log(`table ${TABLE} already holds ${tag}: not loaded again`);
      return;
    }
    const t0 = performance.now();
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    const cols = Array.from({ length: D }, (_, t) => `f${t} double precision`).join(', ');
    // Unlogged: a bench table needs no crash safety, and the load writes half as much.
    await client.query(`CREATE UNLOGGED TABLE ${TABLE} (${cols})`);
    const generator = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/train-large-rows.ts'), String(ROWS), String(D), String(SEED)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await pipeline(generator.stdout, client.query(copyFrom(`COPY ${TABLE} FROM STDIN (FORMAT binary)`)));
    await client.query(`COMMENT ON TABLE ${TABLE} IS '${tag}'`);
    await client.query(`ANALYZE ${TABLE}`);
    const size = await client.query<{ size: string }>('SELECT pg_size_pretty(pg_table_size($1)) AS size', [
      TABLE,
    ]);
    console.log(
      `loaded ${ROWS} rows x ${D} into ${TABLE} with COPY in ${((performance.now() - t0) / 1000).toFixed(1)} s (${size.rows[0].size})`,
    );
  } finally {
    await client.end();
  }
}

function trainArgs(url: string, query: string, algorithm: string, nInit: number): string[] {
  return [
    process.execPath,
    ...PERSONA,
    'train',
    ...['--postgres', url, '--query', query, '--algorithm', algorithm],
    ...['--k', `${K_MIN}..${K_MAX}`, '--n-init', String(nInit), '--seed', '0', '--batch-size', String(BATCH)],
    ...['--silhouette-sample', String(SAMPLE), '--json', '--quiet'],
  ];
}

const columns = Array.from({ length: D }, (_, t) => `f${t}`).join(', ');

function ours(url: string): Measured & { perK: PerK[] } {
  const m = measured(trainArgs(url, `SELECT ${columns} FROM ${TABLE}`, 'minibatch', N_INIT));
  return { ...m, perK: (JSON.parse(m.stdout) as { perK: PerK[] }).perK };
}

function sklearn(url: string): Measured & { perK: PerK[]; version: string; load_s: number } {
  const m = measured([
    python,
    join(ROOT, 'bench/train_large_sklearn.py'),
    url,
    TABLE,
    ...[ROWS, D, K_MIN, K_MAX, BATCH, N_INIT, MAX_EPOCHS, SAMPLE].map(String),
  ]);
  const out = JSON.parse(m.stdout) as { per_k: PerK[]; version: string; load_s: number };
  return { ...m, perK: out.per_k, version: out.version, load_s: out.load_s };
}

const bench = startBench('bench:train-large');
console.log(
  `${ROWS} rows x ${D} features in Postgres; k = ${K_MIN}..${K_MAX}, batch ${BATCH}, n_init ${N_INIT} (scikit-learn: k-means++ on ${3 * BATCH} rows; ours: ${4 * N_INIT} seedings refined by Lloyd on the ${SAMPLE}-row sample), at most ${MAX_EPOCHS} epochs, metrics on ${SAMPLE} rows; ${ROUNDS} rounds in ABBA order`,
);
console.log(
  `ours: ${FROM_SOURCES ? 'the sources under tsx (--tsx)' : 'the bundle, dist/persona.mjs, as the image runs it'}`,
);
const hasSklearn = findPython() !== undefined;
if (!hasSklearn) console.log('scikit-learn not found (install python3-sklearn or set PYTHON): ours only');

let db: TestPostgres | undefined;
const url = process.env.BENCH_DATABASE_URL ?? (db = await startPostgres()).url;
try {
  await loadTable(url);
  const oursRuns: ReturnType<typeof ours>[] = [];
  const skRuns: ReturnType<typeof sklearn>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['ours', 'sk'] : ['sk', 'ours'];
    for (const side of order) {
      if (side === 'ours') {
        const o = ours(url);
        oursRuns.push(o);
        console.log(
          `  round ${r + 1} ours          ${o.wall_s.toFixed(1)} s, peak RSS ${o.max_rss_mb.toFixed(0)} MB`,
        );
      } else if (hasSklearn) {
        const s = sklearn(url);
        skRuns.push(s);
        console.log(
          `  round ${r + 1} scikit-learn  ${s.wall_s.toFixed(1)} s (reading the table ${s.load_s.toFixed(1)} s), peak RSS ${s.max_rss_mb.toFixed(0)} MB`,
        );
      }
    }
  }

  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  const fmt = (s: Spread, unit: string, digits: number) =>
    `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}..${s.max.toFixed(digits)})`;
  console.log('\n    k   inertia (ours)   inertia (sklearn)   silhouette (ours / sklearn)');
  const first = oursRuns[0];
  for (const m of first?.perK ?? []) {
    const s = skRuns[0]?.perK.find((p) => p.k === m.k);
    console.log(
      `${String(m.k).padStart(5)}  ${m.inertia.toFixed(0).padStart(15)}  ${s ? s.inertia.toFixed(0).padStart(18) : '-'.padStart(18)}   ${m.silhouette?.toFixed(4) ?? '-'} / ${s?.silhouette?.toFixed(4) ?? '-'}`,
    );
  }
  const ourTime = spread(oursRuns.map((o) => o.wall_s));
  const ourRss = spread(oursRuns.map((o) => o.max_rss_mb));
  console.log(`\nours, median (min..max): ${fmt(ourTime, 's', 1)}, peak RSS ${fmt(ourRss, 'MB', 0)}`);
  console.log(`  peak RSS goal <= ${RSS_GOAL_MB} MB: ${verdict(ourRss.max <= RSS_GOAL_MB)}`);
  let figures: Record<string, unknown> = {
    trainer: FROM_SOURCES ? 'tsx' : 'bundle',
    rows: ROWS,
    features: D,
    rounds: ROUNDS,
    settings: {
      kMin: K_MIN,
      kMax: K_MAX,
      batch: BATCH,
      nInit: N_INIT,
      maxEpochs: MAX_EPOCHS,
      sample: SAMPLE,
    },
    ours: { wallS: ourTime, peakRssMb: ourRss, perK: first?.perK },
  };
  if (skRuns.length) {
    const skTime = spread(skRuns.map((s) => s.wall_s));
    const skRss = spread(skRuns.map((s) => s.max_rss_mb));
    const ratio = ourTime.median / skTime.median;
    console.log(
      `scikit-learn ${skRuns[0].version}, median (min..max): ${fmt(skTime, 's', 1)}, peak RSS ${fmt(skRss, 'MB', 0)}`,
    );
    console.log(
      `ratio ours / scikit-learn (median wall time): ${ratio.toFixed(2)}  (goal <= ${TIME_GOAL}: ${verdict(ratio <= TIME_GOAL)})`,
    );
    figures = {
      ...figures,
      scikitLearn: { version: skRuns[0].version, wallS: skTime, peakRssMb: skRss, perK: skRuns[0].perK },
      ratio,
    };
  }

  if (SUBSET > 0) {
    const query = `SELECT ${columns} FROM ${TABLE} LIMIT ${SUBSET}`;
    console.log(`\ninertia on the first ${SUBSET} rows: mini-batch against full Lloyd (n_init ${N_INIT})`);
    const mb = measured(trainArgs(url, query, 'minibatch', N_INIT));
    const ll = measured(trainArgs(url, query, 'lloyd', N_INIT));
    const mbK = (JSON.parse(mb.stdout) as { perK: PerK[] }).perK;
    const llK = (JSON.parse(ll.stdout) as { perK: PerK[] }).perK;
    console.log('    k   mini-batch      Lloyd   excess');
    let worst = -Infinity;
    const rowsK = mbK.map((m) => {
      const l = llK.find((p) => p.k === m.k)!;
      const excess = (m.inertia - l.inertia) / l.inertia;
      worst = Math.max(worst, excess);
      console.log(
        `${String(m.k).padStart(5)}  ${m.inertia.toFixed(0).padStart(11)}  ${l.inertia.toFixed(0).padStart(9)}  ${(excess * 100).toFixed(2).padStart(6)} %`,
      );
      return { k: m.k, miniBatch: m.inertia, lloyd: l.inertia, excess };
    });
    console.log(
      `  mini-batch ${mb.wall_s.toFixed(1)} s / ${mb.max_rss_mb.toFixed(0)} MB, Lloyd ${ll.wall_s.toFixed(1)} s / ${ll.max_rss_mb.toFixed(0)} MB`,
    );
    console.log(
      `  largest inertia excess over Lloyd: ${(worst * 100).toFixed(2)} %  (goal <= ${INERTIA_GOAL * 100} %: ${verdict(worst <= INERTIA_GOAL)})`,
    );
    figures = { ...figures, subset: { rows: SUBSET, perK: rowsK, worstExcess: worst } };
  }
  keepRecord(bench, figures);
} finally {
  await db?.stop();
}
