// The training spec the operator hands to a Job: defaults, and an error naming the field for
// every kind of bad input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainingJobSpec, TrainingSpecError } from '@persona-operator/jobs/training-spec';

const minimal = {
  model: { namespace: 'shop', name: 'customers' },
  features: [{ name: 'age' }, { name: 'channel', type: 'categorical' }],
  data: { postgres: { query: 'SELECT age, channel FROM survey' } },
};

describe('parseTrainingJobSpec', () => {
  test('applies the defaults', () => {
    const spec = parseTrainingJobSpec(minimal);
    assert.deepEqual(spec.k, { min: 2, max: 10 });
    assert.equal(spec.nInit, 10);
    assert.equal(spec.seed, 0);
    assert.equal(spec.mode, 'fit');
    assert.deepEqual(spec.artifacts, { postgres: {} });
    assert.deepEqual(spec.data, {
      postgres: { query: 'SELECT age, channel FROM survey', urlEnv: 'PERSONA_DATA_URL', rowLimit: 5_000_000 },
    });
    assert.deepEqual(spec.features[0], { name: 'age', type: 'numeric' });
    assert.deepEqual(parseTrainingJobSpec({ ...minimal, k: { value: 4 } }).k, { min: 4, max: 4 });
    assert.equal(spec.parallelism, 1);
    const split = { ...minimal, algorithm: 'lloyd', k: { value: 4 }, nInit: 3, parallelism: 3 };
    assert.equal(parseTrainingJobSpec(split).parallelism, 3, 'as many pods as the grid has fits');
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['no model name', { model: { namespace: 'shop' } }, 'model.name', /is required/],
    ['no features', { features: [] }, 'features', /fewer than 1 items/],
    ['a duplicate feature', { features: [{ name: 'a' }, { name: 'a' }] }, 'features[1].name', /duplicate/],
    [
      'a bad feature type',
      { features: [{ name: 'a', type: 'text' }] },
      'features[0].type',
      /must be one of "numeric", "categorical", got "text"/,
    ],
    ['k.max below k.min', { k: { min: 5, max: 3 } }, 'k.max', />= k.min \(5\)/],
    ['a fractional nInit', { nInit: 2.5 }, 'nInit', /must be integer, got 2.5/],
    [
      'two data sources',
      { data: { postgres: { query: 'x' }, gcs: { uri: 'gs://b/o' } } },
      'data',
      /exactly one/,
    ],
    [
      'a bad gs:// URI',
      { data: { gcs: { uri: 'https://x/y.csv' } } },
      'data.gcs.uri',
      /must be gs:\/\/<bucket>\/<object>, got "https:\/\/x\/y.csv"/,
    ],
    [
      'a zero row limit',
      { data: { postgres: { query: 'x', rowLimit: 0 } } },
      'data.postgres.rowLimit',
      /must be >= 1, got 0/,
    ],
    ['half a k range', { k: { min: 5 } }, 'k', /expected \{value\} or \{min, max\}, got \{min\}/],
    ['an unknown field', { shedule: '* * * * *' }, 'shedule', /unknown field/],
    ['fixed mode without personas', { mode: 'fixed' }, 'personas', /at least one persona/],
    [
      'a persona centroid of the wrong type',
      { personas: [{ name: 'P', centroid: { age: 'old', channel: 'web' } }] },
      'personas[0].centroid.age',
      /expected a number/,
    ],
    [
      'more pods than the grid has fits',
      { algorithm: 'lloyd', k: { min: 2, max: 3 }, nInit: 2, parallelism: 5 },
      'parallelism',
      /at most the grid size \(\(k.max - k.min \+ 1\) x nInit = 4 fits\), got 5/,
    ],
    [
      'pods for pre-defined personas',
      {
        mode: 'fixed',
        algorithm: 'lloyd',
        parallelism: 2,
        personas: [{ name: 'P', centroid: { age: 30, channel: 'web' } }],
      },
      'parallelism',
      /mode "fixed" fits no k-means grid: expected 1, got 2/,
    ],
    [
      'pods for mini-batch',
      { parallelism: 2 },
      'parallelism',
      /expected algorithm lloyd with 2 pods, got auto/,
    ],
    ['more pods than allowed', { algorithm: 'lloyd', parallelism: 65 }, 'parallelism', /must be <= 64/],
    [
      'a bucket with a slash',
      { artifacts: { gcs: { bucket: 'a/b' } } },
      'artifacts.gcs.bucket',
      /must match pattern "\^\[\^\/\]\+\$", got "a\/b"/,
    ],
  ];
  for (const [what, overrides, field, problem] of bad) {
    test(`rejects ${what}, naming ${field}`, () => {
      assert.throws(
        () => parseTrainingJobSpec({ ...minimal, ...overrides }),
        (err: unknown) =>
          err instanceof TrainingSpecError && err.field === field && problem.test(err.message),
      );
    });
  }
});
