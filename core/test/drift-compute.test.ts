// Dataset drift: Evidently's test choice, threshold overrides, the drift share, and bad input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeDrift,
  defaultTest,
  DriftInputError,
  summariseReport,
  type DriftColumn,
} from '../src/drift/index.ts';
import { integers, normalish } from './drift-samples.ts';

const num = (name: string, values: Float64Array): DriftColumn => ({ name, type: 'numeric', values });
const cat = (name: string, values: (string | null)[]): DriftColumn => ({ name, type: 'categorical', values });
const letters = (v: Float64Array, alphabet = 'abcdefg') => Array.from(v, (i) => alphabet[i]);

describe('default test per column type, reference size and distinct values (Evidently rule)', () => {
  const cases: [Parameters<typeof defaultTest>, string][] = [
    [['numeric', 1000, 6], 'ks'],
    [['numeric', 1000, 5], 'chisquare'],
    [['numeric', 1000, 3], 'chisquare'],
    [['numeric', 1000, 2], 'z'],
    [['numeric', 1001, 6], 'wasserstein'],
    [['numeric', 1001, 5], 'jensenshannon'],
    [['numeric', 1001, 2], 'jensenshannon'],
    [['categorical', 1000, 3], 'chisquare'],
    [['categorical', 1000, 2], 'z'],
    [['categorical', 1001, 40], 'jensenshannon'],
    [['categorical', 1001, 2], 'jensenshannon'],
  ];
  for (const [args, expected] of cases) {
    test(`${args.join(', ')} -> ${expected}`, () => assert.equal(defaultTest(...args), expected));
  }

  test('computeDrift applies the table to real columns', () => {
    const small = computeDrift(
      {
        columns: [
          num('age', normalish(1, 300, 40, 10)),
          num('kids', integers(2, 300, 4)),
          num('flag', integers(3, 300, 2)),
          cat('channel', letters(integers(4, 300, 3))),
        ],
      },
      {
        columns: [
          num('age', normalish(5, 200, 40, 10)),
          num('kids', integers(6, 200, 4)),
          num('flag', integers(7, 200, 2)),
          cat('channel', letters(integers(8, 200, 3))),
        ],
      },
    );
    assert.deepEqual(
      small.columns.map((c) => c.test),
      ['ks', 'chisquare', 'z', 'chisquare'],
    );
    const large = computeDrift(
      { columns: [num('age', normalish(1, 2000, 40, 10)), cat('channel', letters(integers(4, 2000, 3)))] },
      { columns: [num('age', normalish(5, 500, 40, 10)), cat('channel', letters(integers(8, 500, 3)))] },
    );
    assert.deepEqual(
      large.columns.map((c) => [c.test, c.pValue === null]),
      [
        ['wasserstein', true],
        ['jensenshannon', true],
      ],
    );
  });
});

describe('drift verdicts', () => {
  const reference = {
    columns: [
      num('a', normalish(10, 400, 0, 1)),
      num('b', normalish(11, 400, 0, 1)),
      num('c', normalish(12, 400, 0, 1)),
    ],
  };
  const current = {
    columns: [
      num('a', normalish(20, 300, 1.5, 1)), // strongly shifted
      num('b', normalish(21, 300, 0, 1)),
      num('c', normalish(22, 300, 0, 1)),
    ],
  };

  test('a shifted column drifts, unchanged ones do not; one of three is below the 0.5 share', () => {
    const r = computeDrift(reference, current);
    assert.deepEqual(
      r.columns.map((c) => c.drifted),
      [true, false, false],
    );
    assert.equal(r.driftedColumns, 1);
    assert.equal(r.driftShare, 1 / 3);
    assert.equal(r.driftDetected, false);
    assert.equal(r.referenceRows, 400);
    assert.equal(r.currentRows, 300);
    assert.ok(r.columns[0].pValue !== null && r.columns[0].pValue < 1e-10);
  });

  test('driftShare decides the dataset verdict (>= share)', () => {
    assert.equal(computeDrift(reference, current, { driftShare: 1 / 3 }).driftDetected, true);
  });

  test('per-feature beats per-type beats global thresholds', () => {
    const r = computeDrift(reference, current, {
      threshold: 0.9,
      numericThreshold: 0.99,
      perFeature: { c: { threshold: 1 } },
    });
    assert.deepEqual(
      r.columns.map((c) => c.threshold),
      [0.99, 0.99, 1],
    );
    // ks drifts at p <= threshold: with threshold 1 every column drifts.
    assert.equal(r.columns[2].drifted, true);
    const g = computeDrift(reference, current, { threshold: 0.2 });
    assert.deepEqual(
      g.columns.map((c) => c.threshold),
      [0.2, 0.2, 0.2],
    );
  });

  test('per-type and per-feature test choices', () => {
    const r = computeDrift(reference, current, {
      numeric: 'psi',
      perFeature: { b: { test: 'wasserstein' } },
    });
    assert.deepEqual(
      r.columns.map((c) => [c.test, c.threshold]),
      [
        ['psi', 0.1],
        ['wasserstein', 0.1],
        ['psi', 0.1],
      ],
    );
    assert.equal(r.columns[0].drifted, true);
  });

  test('the JSON summary has exactly the documented fields and no Infinity', () => {
    const r = computeDrift(
      { columns: [cat('x', ['a', 'b', 'a', 'b'])] },
      { columns: [cat('x', ['a', 'c', 'c'])] },
      {},
    );
    const s = summariseReport(r);
    assert.deepEqual(Object.keys(s), ['driftDetected', 'rule', 'fired', 'driftShare', 'columns']);
    assert.deepEqual(s.rule, { anyOf: ['features'] });
    assert.deepEqual(s.fired, ['features']);
    assert.deepEqual(s.columns[0], {
      name: 'x',
      test: 'chisquare',
      statistic: null,
      pValue: 0,
      threshold: 0.05,
      drifted: true,
    });
  });

  test('missing values are dropped and counted', () => {
    const r = computeDrift(
      {
        columns: [
          num('a', Float64Array.of(1, 2, NaN, 4, 5, 6, 7)),
          cat('k', ['x', null, 'y', '', 'x', 'y', 'x']),
        ],
      },
      { columns: [num('a', Float64Array.of(1, Infinity, 3, 4)), cat('k', ['x', 'y', null, 'x'])] },
    );
    assert.deepEqual(
      r.columns.map((c) => [c.referenceValues, c.referenceMissing, c.currentValues, c.currentMissing]),
      [
        [6, 1, 3, 1],
        [5, 2, 3, 1],
      ],
    );
  });

  test('distributions for the report: histogram for many values, bars otherwise', () => {
    const r = computeDrift(
      { columns: [num('a', normalish(1, 300, 0, 1)), cat('k', letters(integers(2, 300, 3)))] },
      { columns: [num('a', normalish(2, 300, 0, 1)), cat('k', letters(integers(3, 300, 3)))] },
    );
    const [a, k] = r.columns.map((c) => c.distribution);
    assert.equal(a.kind, 'histogram');
    if (a.kind === 'histogram') {
      assert.equal(a.edges.length, 31);
      assert.ok(Math.abs(a.reference.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    }
    assert.equal(k.kind, 'bars');
    if (k.kind === 'bars') assert.deepEqual([...k.categories].sort(), ['a', 'b', 'c']);
  });
});

describe('bad input names the column or field', () => {
  const ref = { columns: [num('age', Float64Array.of(1, 2, 3)), cat('channel', ['a', 'b', 'a'])] };

  const cases: [string, () => unknown, RegExp][] = [
    [
      'missing column',
      () => computeDrift(ref, { columns: [num('age', Float64Array.of(1))] }),
      /lacks column channel/,
    ],
    [
      'type mismatch',
      () =>
        computeDrift(ref, { columns: [num('age', Float64Array.of(1)), num('channel', Float64Array.of(1))] }),
      /"channel" is categorical in the reference data but numeric in the current data/,
    ],
    [
      'empty current column',
      () => computeDrift(ref, { columns: [num('age', Float64Array.of(NaN)), cat('channel', ['a'])] }),
      /"age" has no values in the current data/,
    ],
    [
      'ragged table',
      () => computeDrift({ columns: [num('age', Float64Array.of(1, 2)), cat('channel', ['a'])] }, ref),
      /reference data: column "channel" has 1 rows, column "age" has 2/,
    ],
    [
      'unknown test',
      () => computeDrift(ref, ref, { numeric: 'ttest' as 'ks' }),
      /tests.numeric must be one of/,
    ],
    [
      'ks on categorical',
      () => computeDrift(ref, ref, { categorical: 'ks' }),
      /tests.categorical: ks is not defined/,
    ],
    [
      'per-feature ks on categorical',
      () => computeDrift(ref, ref, { perFeature: { channel: { test: 'wasserstein' } } }),
      /column "channel": test wasserstein is not defined for categorical columns/,
    ],
    ['unknown per-feature column', () => computeDrift(ref, ref, { perFeature: { income: {} } }), /"income"/],
    ['negative threshold', () => computeDrift(ref, ref, { threshold: -1 }), /tests.threshold must be/],
    [
      'drift share 0',
      () => computeDrift(ref, ref, { driftShare: 0 }),
      /tests.driftShare must be in \(0, 1\]/,
    ],
  ];
  for (const [name, fn, message] of cases) {
    test(name, () =>
      assert.throws(fn, (e: unknown) => e instanceof DriftInputError && message.test(e.message)),
    );
  }
});
