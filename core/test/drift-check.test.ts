// A whole drift check: the statistics stored with a version at training time, the fallback for
// versions without them, the drift rule over the tests that fired, and bad options.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelArtifact } from '../src/artifact/types.ts';
import { parseArtifact } from '../src/artifact/validate.ts';
import { checkDrift } from '../src/drift/check.ts';
import { DriftInputError, validateOptions, type DriftOptions } from '../src/drift/choose.ts';
import { summariseReport } from '../src/drift/index.ts';
import { assignPersonas, countLabels } from '../src/drift/personas/assign.ts';
import { referenceFromTable, storedReference, versionReference } from '../src/drift/personas/reference.ts';
import { ruleVerdict } from '../src/drift/rule.ts';
import { referenceSampleTable, seedMonth, trainSeedModel } from './support/seed-model.ts';

const month = seedMonth;
let trained: ModelArtifact | undefined;

async function model(): Promise<ModelArtifact> {
  trained ??= await trainSeedModel({ referenceSampleSize: 300 });
  return trained;
}

const sampleTable = referenceSampleTable;

describe('reference statistics stored with the version', () => {
  test('describe every training row as a drift check will assign it', async () => {
    const a = await model();
    const stats = a.referenceStats!;
    assert.equal(stats.rows, 400);
    const january = assignPersonas(a, month('january').columns);
    assert.deepEqual(stats.personaCounts, countLabels(january.labels, a.personas.length));
    assert.equal(stats.distanceQuantiles.length, 1001);
    const distances = [...january.distances].sort((x, y) => x - y);
    assert.equal(stats.distanceQuantiles[0], distances[0]);
    assert.equal(stats.distanceQuantiles[1000], distances[399]);
    assert.equal(stats.sampleLabels.length, 300);
    assert.deepEqual(stats.sampleLabels, [...assignPersonas(a, sampleTable(a).columns).labels]);
    assert.deepEqual(parseArtifact(JSON.parse(JSON.stringify(a))), a, 'the artifact still validates');
  });

  test('a version without them falls back to its reference sample', async () => {
    const a = await model();
    const { referenceStats: _stored, ...old } = a;
    const fallback = versionReference(old, sampleTable(a));
    assert.equal(fallback.source, 'sample');
    assert.equal(fallback.rows, 300);
    assert.deepEqual([...fallback.tableLabels], a.referenceStats!.sampleLabels);
    assert.equal(versionReference(a, sampleTable(a)).source, 'stored');
  });

  test('the artifact check refuses statistics that do not fit the model', async () => {
    const a = await model();
    const broken = (mutate: (s: NonNullable<ModelArtifact['referenceStats']>) => void, pattern: RegExp) => {
      const doc = structuredClone(a);
      mutate(doc.referenceStats!);
      assert.throws(() => parseArtifact(doc), pattern);
    };
    broken(
      (s) => s.personaCounts.pop(),
      /referenceStats\.personaCounts: expected 6 counts \(one per persona\), got 5/,
    );
    broken(
      (s) => (s.personaCounts[0] += 1),
      /referenceStats\.personaCounts: expected counts summing to rows \(400\)/,
    );
    broken(
      (s) => (s.distanceQuantiles[5] = -1),
      /referenceStats\.distanceQuantiles\/5|referenceStats\.distanceQuantiles\[5\]/,
    );
    broken(
      (s) => (s.sampleLabels[2] = 6),
      /referenceStats\.sampleLabels\[2\]: expected a persona id below 6, got 6/,
    );
    broken((s) => s.sampleLabels.pop(), /referenceStats\.sampleLabels: expected 300 labels/);
  });
});

describe('the drift rule', () => {
  async function run(current: string, options: DriftOptions = {}) {
    const a = await model();
    const reference = sampleTable(a);
    return checkDrift({
      reference,
      current: { columns: month(current).columns },
      options,
      model: { artifact: a, reference: storedReference(a.referenceStats!) },
      now: new Date('2025-03-31T00:00:00Z'),
    });
  }

  test('by default any test that ran decides; each test that fired is listed', async () => {
    const march = await run('march');
    assert.deepEqual(march.rule, { anyOf: ['features', 'personaMix', 'novelty', 'perPersona'] });
    assert.deepEqual(march.fired, ['features', 'personaMix', 'novelty', 'perPersona']);
    assert.equal(march.driftDetected, true);
    const february = await run('february');
    assert.deepEqual(february.fired, []);
    assert.equal(february.driftDetected, false);
  });

  test('allOf needs every listed test; a switched-off test neither runs nor fires', async () => {
    const r = await run('march', {
      novelty: { enabled: false },
      perPersona: { enabled: false },
      driftWhen: { allOf: ['features', 'personaMix'] },
    });
    assert.equal(r.personas?.novelty, undefined);
    assert.equal(r.personas?.perPersona, undefined);
    assert.deepEqual(r.fired, ['features', 'personaMix']);
    assert.equal(r.driftDetected, true);
    assert.equal(ruleVerdict({ allOf: ['features', 'novelty'] }, ['features']), false);
    assert.equal(ruleVerdict({ anyOf: ['features', 'novelty'] }, ['novelty']), true);
  });

  test('the JSON summary carries the rule, what fired and the persona tests', async () => {
    const s = summariseReport(await run('march'));
    assert.deepEqual(s.fired, ['features', 'personaMix', 'novelty', 'perPersona']);
    const mix = s.personas?.mix;
    assert.equal(mix?.drifted, true);
    assert.deepEqual(
      mix?.personas.filter((p) => p.change === 'grew').map((p) => p.name),
      ['Budget Brian'],
    );
    assert.equal(s.personas?.reference.source, 'stored');
    assert.ok(JSON.stringify(s).length < 20_000, 'no histograms in the summary');
  });

  test('a rule naming a test that cannot run is refused before any work', async () => {
    const a = await model();
    await assert.rejects(
      checkDrift({
        reference: sampleTable(a),
        current: { columns: month('march').columns },
        options: { driftWhen: { anyOf: ['personaMix'] } },
      }),
      /tests\.driftWhen\.anyOf: personaMix cannot decide the verdict, it does not run: the persona tests need the model/,
    );
  });

  test('local mode: statistics of the reference data itself', async () => {
    const a = await model();
    const reference = { columns: month('january').columns };
    const r = await checkDrift({
      reference,
      current: { columns: month('february').columns },
      model: { artifact: a, reference: referenceFromTable(a, reference, 'data') },
    });
    assert.equal(r.personas?.reference.source, 'data');
    assert.equal(r.personas?.reference.rows, 400);
    assert.equal(r.driftDetected, false);
  });
});

describe('bad persona options name the field', () => {
  const cases: [DriftOptions, RegExp][] = [
    [{ personaMix: { test: 'ks' } }, /tests\.personaMix\.test: ks is not defined for the persona mix/],
    [{ personaMix: { threshold: -1 } }, /tests\.personaMix\.threshold must be a finite number >= 0, got -1/],
    [{ novelty: { percentile: 1 } }, /tests\.novelty\.percentile must be in \[0\.5, 0\.999\], got 1/],
    [{ novelty: { maxShare: 1.5 } }, /tests\.novelty\.maxShare must be in \[0, 1\], got 1\.5/],
    [{ perPersona: { minRows: 0 } }, /tests\.perPersona\.minRows must be an integer >= 1, got 0/],
    [{ perPersona: { falseAlarmRate: 0 } }, /tests\.perPersona\.falseAlarmRate must be in \(0, 1\], got 0/],
    [{ driftWhen: { anyOf: [] } }, /tests\.driftWhen\.anyOf must list at least one test/],
    [{ driftWhen: { anyOf: ['features', 'features'] } }, /tests\.driftWhen\.anyOf: features is listed twice/],
    [
      { driftWhen: { allOf: ['mix' as 'novelty'] } },
      /tests\.driftWhen\.allOf: mix is not one of features, personaMix, novelty, perPersona/,
    ],
    [
      { novelty: { enabled: false }, driftWhen: { anyOf: ['novelty'] } },
      /tests\.driftWhen\.anyOf: novelty is listed but tests\.novelty\.enabled is false/,
    ],
    [
      { driftWhen: { anyOf: ['features'], allOf: ['novelty'] } as unknown as DriftOptions['driftWhen'] },
      /tests\.driftWhen must hold exactly one of anyOf, allOf/,
    ],
  ];
  for (const [options, pattern] of cases) {
    test(pattern.source.slice(0, 60), () => {
      assert.throws(
        () => validateOptions(options),
        (err: unknown) => err instanceof DriftInputError && pattern.test(err.message),
      );
    });
  }
});
