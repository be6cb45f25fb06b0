import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSeedScenario, SEED_MONTHS } from '../src/synth/seed-scenario.ts';
import { writeSeedScenario } from '../src/synth/write.ts';
import { tableFromCsvText, type Column } from '../src/data/table.ts';
import { parsePersonasYaml } from '../src/personas/personas-file.ts';

// Independent drift checks at the 5 % level, as Evidently runs them for <= 1000 reference rows:
// two-sample Kolmogorov-Smirnov for numeric columns (asymptotic critical value
// 1.358 * sqrt((n + m) / (n m))) and Pearson's chi-square for categorical ones.
function ksStatistic(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

// Chi-square critical values at p = 0.05 by degrees of freedom.
const CHI2_05 = [NaN, 3.841, 5.991, 7.815, 9.488];

function chiSquareDrift(ref: string[], cur: string[]): boolean {
  const cats = [...new Set([...ref, ...cur])];
  const count = (xs: string[], c: string) => xs.filter((x) => x === c).length;
  // Expected counts of `cur` under the reference proportions.
  let stat = 0;
  for (const c of cats) {
    const expected = (count(ref, c) / ref.length) * cur.length;
    const observed = count(cur, c);
    stat += expected > 0 ? (observed - expected) ** 2 / expected : observed > 0 ? Infinity : 0;
  }
  return stat > CHI2_05[cats.length - 1];
}

function drifted(ref: Column, cur: Column): boolean {
  if (ref.type === 'numeric' && cur.type === 'numeric') {
    const crit =
      1.358 * Math.sqrt((ref.values.length + cur.values.length) / (ref.values.length * cur.values.length));
    return ksStatistic(ref.values, cur.values) > crit;
  }
  return chiSquareDrift(ref.values as string[], cur.values as string[]);
}

function driftShare(month: number, seed: number): number {
  const s = generateSeedScenario({ seed });
  const ref = s.months[0].table.columns;
  const cur = s.months[month].table.columns;
  return ref.filter((c, i) => drifted(c, cur[i])).length / ref.length;
}

describe('seed scenario', () => {
  test('four months of 500 rows over six personas, eight numeric features and one categorical', () => {
    const s = generateSeedScenario();
    assert.deepEqual(
      s.months.map((m) => [m.month, m.table.rowCount]),
      SEED_MONTHS.map((m) => [m, 500]),
    );
    assert.equal(s.personas.length, 6);
    assert.ok(s.personas.some((p) => p.name === 'Sustainable Steve'));
    assert.ok(s.personas.some((p) => p.name === 'Eco-Conscious Haley'));
    assert.equal(s.features.filter((f) => f.type === 'numeric').length, 8);
    assert.equal(s.features.filter((f) => f.type === 'categorical').length, 1);
    assert.equal(new Set(s.months[0].personaOf).size, 6);
  });

  test('is reproducible from its seed and the size is configurable', () => {
    const a = generateSeedScenario({ rowsPerMonth: 50, seed: 3 });
    const b = generateSeedScenario({ rowsPerMonth: 50, seed: 3 });
    assert.deepEqual(a.months[2].table, b.months[2].table);
    assert.equal(a.months[0].table.rowCount, 50);
    assert.notDeepEqual(
      a.months[0].table,
      generateSeedScenario({ rowsPerMonth: 50, seed: 4 }).months[0].table,
    );
    assert.throws(() => generateSeedScenario({ rowsPerMonth: 0 }), /rowsPerMonth must be a positive integer/);
  });

  test('March drifts (drift share >= 0.5) and February does not, for several seeds', () => {
    for (const seed of [42, 1, 2, 3]) {
      const feb = driftShare(1, seed);
      const mar = driftShare(2, seed);
      assert.ok(feb < 0.5, `seed ${seed}: February drift share ${feb}`);
      assert.ok(mar >= 0.5, `seed ${seed}: March drift share ${mar}`);
    }
  });

  test('writes january.csv .. april.csv and personas.yaml that read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seed-'));
    try {
      const s = generateSeedScenario({ rowsPerMonth: 20 });
      const files = await writeSeedScenario(dir, s);
      assert.deepEqual(
        files.map((f) => f.slice(dir.length + 1)),
        ['january.csv', 'february.csv', 'march.csv', 'april.csv', 'personas.yaml'],
      );
      const march = tableFromCsvText(await readFile(join(dir, 'march.csv'), 'utf8'), s.features);
      assert.deepEqual(
        march.columns.map((c) => Array.from<number | string>(c.values)),
        s.months[2].table.columns.map((c) => Array.from<number | string>(c.values)),
      );
      const personas = parsePersonasYaml(await readFile(join(dir, 'personas.yaml'), 'utf8'));
      assert.deepEqual(personas.personas, s.personas);
      assert.deepEqual(personas.features, s.features);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
