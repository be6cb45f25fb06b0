// The persona tests' extra cost in a drift check: 1M current rows x 20 numeric features
// against a model's 5000-row reference sample and stored statistics, as a drift Job runs it,
// with the feature tests alone (A) and with the persona tests too, scoring included (B).
// Alternating ABBA rounds (A B, then B A, ...) so drifting machine load hits both alike; the
// medians give the extra cost, goal under 50 % on top of the feature tests. Both runs use one
// thread, so their CPU time is the work done; on a shared machine it swings far less with the
// neighbours' load than wall time, and it is the figure the goal is read on.
import { performance } from 'node:perf_hooks';
import type { ModelArtifact } from '../core/src/artifact/types.ts';
import type { Table } from '../core/src/data/table.ts';
import { checkDrift } from '../core/src/drift/check.ts';
import type { DriftColumn, DriftTable } from '../core/src/drift/column.ts';
import { storedReference } from '../core/src/drift/personas/reference.ts';
import { createRng } from '../core/src/random/rng.ts';
import { trainModel } from '../core/src/train/train.ts';

const ROUNDS = Number(process.env.DRIFT_BENCH_ROUNDS ?? 5);
const PERSONAS = 6;
const TRAINING_ROWS = 20_000;

/** Rows from six Gaussian blobs; `shift` moves every blob along the first quarter of the features. */
function blobs(rows: number, features: number, seed: number, shift: number): Float64Array[] {
  const centres = createRng(99);
  const centre = Array.from({ length: PERSONAS }, () =>
    Array.from({ length: features }, () => centres.normal() * 3),
  );
  const rng = createRng(seed);
  const columns = Array.from({ length: features }, () => new Float64Array(rows));
  for (let i = 0; i < rows; i++) {
    const b = rng.int(PERSONAS);
    for (let f = 0; f < features; f++) {
      columns[f][i] = centre[b][f] + rng.normal() + (f < features / 4 ? shift : 0);
    }
  }
  return columns;
}

const table = (columns: Float64Array[]): Table => ({
  rowCount: columns[0].length,
  columns: columns.map((values, f) => ({ name: `f${f}`, type: 'numeric', values })),
});

function sampleTable(a: ModelArtifact): DriftTable {
  return {
    columns: a.features.map((f, j): DriftColumn => ({
      name: f.name,
      type: 'numeric',
      values: Float64Array.from(a.reference.rows, (r) => r[j] as number),
    })),
  };
}

interface Timing {
  wall: number;
  cpu: number;
}

async function time(fn: () => Promise<unknown>): Promise<Timing> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function personaCost(rows: number, features: number): Promise<Record<string, unknown>> {
  console.log(
    `\npersona tests: ${rows} current rows x ${features} numeric features, ${PERSONAS} personas, ` +
      `reference = the model's 5000-row sample; ${ROUNDS} ABBA rounds, 1 thread`,
  );
  const artifact = await trainModel(table(blobs(TRAINING_ROWS, features, 1, 0)), {
    features: Array.from({ length: features }, (_, f) => ({ name: `f${f}`, type: 'numeric' as const })),
    mode: 'fit',
    k: { min: PERSONAS, max: PERSONAS },
    nInit: 1,
    seed: 1,
    workers: 1,
  });
  const reference = sampleTable(artifact);
  const current: DriftTable = { columns: table(blobs(rows, features, 2, 0.05)).columns };
  const model = { artifact, reference: storedReference(artifact.referenceStats!) };
  const featuresOnly = () => checkDrift({ reference, current });
  const withPersonas = () => checkDrift({ reference, current, model });
  // Warm the JIT on a slice, as the timed runs measure steady-state code.
  const slice: DriftTable = {
    columns: current.columns.map(
      (c) => ({ ...c, values: (c.values as Float64Array).subarray(0, 50_000) }) as DriftColumn,
    ),
  };
  await checkDrift({ reference, current: slice, model });

  const a: Timing[] = [];
  const b: Timing[] = [];
  const fmt = (t: Timing) => `${t.cpu.toFixed(2)} s cpu (${t.wall.toFixed(2)} s wall)`;
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ['A', 'B'] : ['B', 'A'];
    for (const which of order) {
      if (which === 'A') a.push(await time(featuresOnly));
      else b.push(await time(withPersonas));
    }
    console.log(
      `  round ${round} (${order.join(' ')})  features alone ${fmt(a.at(-1)!)}   with persona tests ${fmt(b.at(-1)!)}`,
    );
  }
  const report = await withPersonas();
  const extra = (key: keyof Timing) => {
    const ma = median(a.map((t) => t[key]));
    const mb = median(b.map((t) => t[key]));
    return { ma, mb, pct: ((mb - ma) / ma) * 100 };
  };
  const cpu = extra('cpu');
  const wall = extra('wall');
  console.log(
    `  medians: features alone ${cpu.ma.toFixed(2)} s cpu, with persona tests ${cpu.mb.toFixed(2)} s cpu ` +
      `(fired: ${report.fired.join(', ') || 'none'})`,
  );
  console.log(
    `  wall-time medians: ${wall.ma.toFixed(2)} s and ${wall.mb.toFixed(2)} s: +${wall.pct.toFixed(0)} %`,
  );
  console.log(`  EXTRA COST of the persona tests = ${cpu.pct.toFixed(0)} % cpu   (goal < 50 %)`);
  return { featuresAlone: a, withPersonaTests: b, extraCpuPercent: cpu.pct, extraWallPercent: wall.pct };
}
