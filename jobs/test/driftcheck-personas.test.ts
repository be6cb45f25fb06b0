// The drift Job's persona tests against a real, throwaway Postgres: the seed scenario (January's
// model; February: no persona test fires; March: the persona mix drifts and the report names
// who grew and who shrank), a new cluster no persona matches (novelty), one persona's feature
// moving (per-persona drift names it), and a version trained before reference statistics were
// stored (the fallback, said in the report).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Table } from '@persona-operator/core/data/table';
import { createRng } from '@persona-operator/core/random/rng';
import type { DriftJobSpec } from '@persona-operator/jobs/drift-spec';
import type { DriftReport as StoredReport } from '@persona-operator/registry';
import {
  driftSpec,
  loadTable,
  month,
  promote,
  query,
  runJob,
  scenario,
  startDriftFixture,
  type DriftFixture,
} from './support/drift-fixture.ts';

let fixture: DriftFixture;

const HALEY = scenario.personas.findIndex((p) => p.name === 'Eco-Conscious Haley');
const NEWCOMERS = 32;

/**
 * February, plus rows of a customer no persona describes: each answer is common on its own
 * (Traditional Tom's age, Haley's income, Brian's price sensitivity, Paula's spend...), the
 * combination is new.
 */
function withNewcomers(base: Table, rows: number): Table {
  const profile: Record<string, [number, number]> = {
    age: [63, 4],
    income: [48_000, 6000],
    eco_score: [9.3, 0.6],
    price_sensitivity: [9, 0.6],
    online_share: [0.95, 0.06],
    monthly_spend: [800, 40],
    loyalty_years: [1.5, 1.2],
    brand_trust: [9, 0.6],
  };
  const rng = createRng(7);
  return {
    rowCount: base.rowCount + rows,
    columns: base.columns.map((c) => {
      if (c.type === 'categorical')
        return { ...c, values: [...c.values, ...Array<string>(rows).fill('online')] };
      const [mean, sd] = profile[c.name];
      const extra = Array.from({ length: rows }, () => Math.round((mean + rng.normal() * sd) * 100) / 100);
      return { ...c, values: Float64Array.from([...c.values, ...extra]) };
    }),
  };
}

/** February with only Eco-Conscious Haley's monthly spend raised. */
function haleySpendsMore(): Table {
  const feb = scenario.months.find((m) => m.month === 'february')!;
  return {
    ...feb.table,
    columns: feb.table.columns.map((c) =>
      c.name === 'monthly_spend' && c.type === 'numeric'
        ? { ...c, values: c.values.map((v, i) => (feb.personaOf[i] === HALEY ? v + 150 : v)) }
        : c,
    ),
  };
}

before(async () => {
  fixture = await startDriftFixture();
  const url = fixture.db.url;
  await loadTable(url, 'survey_feb', month('february'));
  await loadTable(url, 'survey_mar', month('march'));
  await loadTable(url, 'survey_newcomers', withNewcomers(month('february'), NEWCOMERS));
  await loadTable(url, 'survey_haley', haleySpendsMore());
  // A version stored before reference statistics existed: the same model without them.
  const { referenceStats: _stats, ...legacy } = fixture.artifact;
  await promote(fixture.registry, { namespace: 'shop', name: 'legacy' }, legacy);
});

after(async () => {
  await fixture?.close();
});

async function check(s: DriftJobSpec, runId: string) {
  const r = await runJob(fixture.db.url, s, runId);
  assert.equal(r.exitCode, 0, JSON.stringify(r.line));
  assert.ok('reportId' in r.line);
  const stored = (await fixture.registry.getDriftReport(r.line.reportId)) as StoredReport;
  const personas = stored.details?.personas;
  assert.ok(personas, 'the persona tests ran');
  return { ...r, line: r.line, stored, personas };
}

describe('the seed scenario', () => {
  test('February: no persona test fires', async () => {
    const r = await check(driftSpec(query('SELECT * FROM survey_feb')), 'feb');
    assert.equal(r.stored.driftDetected, false);
    assert.deepEqual(r.line.fired, []);
    assert.equal(r.personas.mix?.test, 'chisquare', 'chi-square up to 1000 reference rows');
    assert.equal(r.personas.mix?.drifted, false);
    assert.ok(r.personas.mix?.personas.every((p) => p.change === 'steady'));
    assert.equal(r.personas.novelty?.drifted, false);
    assert.ok(r.personas.novelty!.share < r.personas.novelty!.maxShare);
    assert.deepEqual(
      r.personas.perPersona?.personas.filter((p) => p.drifted).map((p) => p.name),
      [],
    );
    assert.deepEqual(r.personas.reference, { source: 'stored', rows: 400 });
  });

  test('March: the persona mix drifts and the report names who grew and who shrank', async () => {
    const r = await check(driftSpec(query('SELECT * FROM survey_mar')), 'mar');
    assert.equal(r.stored.driftDetected, true);
    assert.ok(r.line.fired.includes('features'), `fired: ${r.line.fired.join(', ')}`);
    assert.ok(r.line.fired.includes('personaMix'), `fired: ${r.line.fired.join(', ')}`);
    const mix = r.personas.mix!;
    const grew = mix.personas.filter((p) => p.change === 'grew');
    const shrank = mix.personas.filter((p) => p.change === 'shrank');
    assert.deepEqual(
      grew.map((p) => p.name),
      ['Budget Brian'],
    );
    assert.ok(grew[0].currentShare > grew[0].referenceShare + 0.15);
    assert.ok(shrank.length > 0, 'someone made room for Budget Brian');
    for (const p of [...grew, ...shrank]) {
      assert.match(r.stored.html ?? '', new RegExp(`<td>${p.name}</td>.*<strong>${p.change}</strong>`));
    }
    const logged = r.lines.find((l) => l.phase === 'compare');
    assert.ok((logged?.personaMix as string[]).includes('Budget Brian grew'));
  });
});

test('a new cluster no persona matches: novelty fires, the feature tests and the mix do not', async () => {
  const r = await check(driftSpec(query('SELECT * FROM survey_newcomers')), 'newcomers');
  const novelty = r.personas.novelty!;
  assert.equal(novelty.drifted, true);
  assert.ok(novelty.rowsBeyond >= NEWCOMERS * 0.9, `${novelty.rowsBeyond} rows beyond the 99th percentile`);
  assert.ok(novelty.share > 0.05);
  assert.ok(r.line.fired.includes('novelty'));
  assert.ok(!r.line.fired.includes('features'), `drift share ${r.stored.share}: under half of the columns`);
  assert.equal(r.personas.mix?.drifted, false, 'the newcomers join the persona nearest to them');
  assert.equal(r.stored.driftDetected, true);
  assert.match(r.stored.html ?? '', /<h2>Novelty<\/h2>[\s\S]*novelty detected/);
});

test("one persona's feature moves: per-persona drift names the persona and the feature", async () => {
  const r = await check(driftSpec(query('SELECT * FROM survey_haley')), 'haley');
  const per = r.personas.perPersona!;
  const moved = per.personas.filter((p) => p.driftedFeatures.length > 0);
  assert.deepEqual(
    moved.map((p) => [p.name, p.driftedFeatures]),
    [['Eco-Conscious Haley', ['monthly_spend']]],
  );
  assert.equal(r.personas.mix?.drifted, false, 'the mix is as in February');
  assert.deepEqual(r.line.fired, ['perPersona'], 'nothing else moved');
  assert.equal(r.stored.driftDetected, true);
  assert.match(r.stored.html ?? '', /<td>Eco-Conscious Haley<\/td>.*<td class="dc">/);
});

test('switched-off tests and an explicit rule come from the spec', async () => {
  const r = await check(
    driftSpec(query('SELECT * FROM survey_newcomers'), {
      tests: {
        personaMix: { enabled: false },
        perPersona: { enabled: false },
        driftWhen: { allOf: ['features', 'novelty'] },
      },
    }),
    'newcomers-all-of',
  );
  assert.equal(r.personas.mix, undefined);
  assert.equal(r.personas.perPersona, undefined);
  assert.deepEqual(r.stored.details?.rule, { allOf: ['features', 'novelty'] });
  assert.deepEqual(r.line.fired, ['novelty']);
  assert.equal(r.stored.driftDetected, false, 'novelty alone is not all of the rule');
});

test('a version without stored statistics falls back to its reference sample and says so', async () => {
  const r = await check(
    driftSpec(query('SELECT * FROM survey_mar'), { model: { namespace: 'shop', name: 'legacy' } }),
    'legacy',
  );
  assert.equal(r.personas.reference.source, 'sample');
  assert.equal(r.personas.reference.rows, 400);
  assert.equal(r.personas.mix?.drifted, true);
  assert.match(
    r.stored.html ?? '',
    /This version was trained before reference statistics were stored with it/,
  );
  const warning = r.lines.find((l) => l.phase === 'reference' && l.level === 40);
  assert.match(
    String(warning?.msg),
    /no stored reference statistics: the persona tests use its reference sample/,
  );
});
