import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createScorer, RowError } from '../src/scoring/scorer.ts';
import { fixtureArtifact } from './support/fixture-artifact.ts';

function rowError(fn: () => unknown, instance: number, feature: string | undefined, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RowError, `expected RowError, got ${String(err)}`);
    assert.equal(err.instance, instance);
    assert.equal(err.feature, feature);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('createScorer', () => {
  const scorer = createScorer(fixtureArtifact());

  test('exposes the feature layout', () => {
    assert.deepEqual(scorer.featureNames, ['age', 'channel', 'income']);
    assert.equal(scorer.dimension, 4);
  });

  test('scores the nearest centroid with distance and confidence (hand-computed)', () => {
    // age 32 -> -0.8; web -> [1, 0]; income 7 -> (7 - 5) / 1 = 2 (constant column: scale 1).
    // to Young Web [-1,1,0,0]: 0.04 + 0 + 0 + 4 = 4.04; to Older Store [1,0,1,0]: 3.24 + 1 + 1 + 4 = 9.24.
    const p = scorer.predictOne([32, 'web', 7]);
    assert.equal(p.persona, 'Young Web');
    assert.equal(p.personaId, 0);
    assert.ok(Math.abs(p.distance - Math.sqrt(4.04)) < 1e-12);
    assert.ok(Math.abs(p.confidence - (1 - Math.sqrt(4.04) / Math.sqrt(9.24))) < 1e-12);
  });

  test('objects keyed by feature name score like arrays', () => {
    const a = scorer.predictOne([52, 'store', 5]);
    const b = scorer.predictOne({ income: 5, channel: 'store', age: 52 });
    assert.deepEqual(a, b);
    assert.equal(a.persona, 'Older Store');
  });

  test('a row on a centroid has confidence 1, an equidistant row 0', () => {
    assert.equal(scorer.predictOne([30, 'web', 5]).confidence, 1);
    assert.equal(scorer.predictOne([30, 'web', 5]).distance, 0);
    // Equidistant by construction: a one-dimensional model with centroids at -1 and 1, row at 0.
    const one = fixtureArtifact();
    one.features = [{ name: 'x', type: 'numeric', mean: 0, std: 1, scale: 1 }];
    one.personas = [
      { id: 0, name: 'A', centroid: { x: -1 }, scaled: [-1] },
      { id: 1, name: 'B', centroid: { x: 1 }, scaled: [1] },
    ];
    const p = createScorer(one).predictOne([0]);
    assert.equal(p.confidence, 0);
    assert.equal(p.distance, 1);
  });

  test('a single persona always has confidence 1', () => {
    const one = fixtureArtifact();
    one.personas = [one.personas[1]];
    one.personas[0].id = 0;
    const p = createScorer(one).predictOne([10, 'web', 5]);
    assert.equal(p.persona, 'Older Store');
    assert.equal(p.confidence, 1);
  });

  test('predictBatch scores every row and reports the failing instance index', () => {
    const out = scorer.predictBatch([
      [30, 'web', 5],
      [50, 'store', 5],
    ]);
    assert.deepEqual(
      out.map((p) => p.persona),
      ['Young Web', 'Older Store'],
    );
    rowError(
      () =>
        scorer.predictBatch([
          [30, 'web', 5],
          [30, 'web', 5],
          [30, 'web', '5'],
        ]),
      2,
      'income',
      /instance 2, feature "income": expected a finite number, got "5"/,
    );
  });

  test('rejects bad rows naming the instance and feature', () => {
    rowError(
      () => scorer.predictOne([30, 'web'], 4),
      4,
      undefined,
      /instance 4: expected 3 values in feature order \(age, channel, income\), got 2/,
    );
    rowError(() => scorer.predictOne([30, 'web', 5, 1], 0), 0, undefined, /got 4/);
    rowError(
      () => scorer.predictOne('30,web,5', 1),
      1,
      undefined,
      /expected an array in feature order or an object/,
    );
    rowError(() => scorer.predictOne(null, 1), 1, undefined, /got null/);
    rowError(
      () => scorer.predictOne([NaN, 'web', 5], 3),
      3,
      'age',
      /feature "age": expected a finite number, got NaN/,
    );
    rowError(() => scorer.predictOne([Infinity, 'web', 5]), 0, 'age', /got Infinity/);
    rowError(() => scorer.predictOne([-Infinity, 'web', 5]), 0, 'age', /got -Infinity/);
    rowError(() => scorer.predictOne([null, 'web', 5]), 0, 'age', /got null/);
    rowError(() => scorer.predictOne(['30', 'web', 5]), 0, 'age', /got "30"/);
    rowError(
      () => scorer.predictOne([30, 'phone', 5], 7),
      7,
      'channel',
      /instance 7, feature "channel": unknown category "phone"/,
    );
    rowError(() => scorer.predictOne([30, 1, 5]), 0, 'channel', /expected a category string, got 1/);
    rowError(
      () => scorer.predictOne({ age: 30, income: 5 }, 2),
      2,
      'channel',
      /instance 2, feature "channel": missing/,
    );
    rowError(
      () => scorer.predictOne({ age: 30, channel: 'web', income: 5, height: 180 }, 2),
      2,
      'height',
      /feature "height": unknown feature/,
    );
    rowError(
      () => scorer.predictOne({ age: 30, channel: 'web', income: undefined }),
      0,
      'income',
      /got undefined/,
    );
  });

  test('one-hot columns are reset between rows (scratch buffer reuse)', () => {
    scorer.predictOne([50, 'store', 5]);
    const p = scorer.predictOne([30, 'web', 5]);
    assert.equal(p.distance, 0);
  });
});
