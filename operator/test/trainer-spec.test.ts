// The training spec the operator hands to a Job: defaults, and an error naming the field for
// every kind of bad input; and which failures the Job may retry.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainingJobSpec, TrainingSpecError } from '@persona-operator/core/training-spec';
import { ArtifactStoreError } from '@persona-operator/core/artifacts/store';
import { DataSourceError } from '@persona-operator/core/data/postgres-source';
import { RegistryNotFoundError } from '@persona-operator/core/registry/errors';
import { classifyError } from '../src/trainer/exit-code.ts';
import { parseArtifactsFlag } from '../src/trainer/cli.ts';

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
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['no model name', { model: { namespace: 'shop' } }, 'model.name', /non-empty string/],
    ['no features', { features: [] }, 'features', /non-empty list/],
    ['a duplicate feature', { features: [{ name: 'a' }, { name: 'a' }] }, 'features[1].name', /duplicate/],
    [
      'a bad feature type',
      { features: [{ name: 'a', type: 'text' }] },
      'features[0].type',
      /"numeric" or "categorical"/,
    ],
    ['k.max below k.min', { k: { min: 5, max: 3 } }, 'k.max', />= k.min \(5\)/],
    ['a fractional nInit', { nInit: 2.5 }, 'nInit', /integer >= 1/],
    [
      'two data sources',
      { data: { postgres: { query: 'x' }, gcs: { uri: 'gs://b/o' } } },
      'data',
      /exactly one/,
    ],
    ['a bad gs:// URI', { data: { gcs: { uri: 'https://x/y.csv' } } }, 'data.gcs.uri', /gs:\/\/<bucket>/],
    [
      'a zero row limit',
      { data: { postgres: { query: 'x', rowLimit: 0 } } },
      'data.postgres.rowLimit',
      /integer >= 1/,
    ],
    ['an unknown field', { shedule: '* * * * *' }, 'shedule', /unknown field/],
    ['fixed mode without personas', { mode: 'fixed' }, 'personas', /at least one persona/],
    [
      'a persona centroid of the wrong type',
      { personas: [{ name: 'P', centroid: { age: 'old', channel: 'web' } }] },
      'personas[0].centroid.age',
      /expected a number/,
    ],
    [
      'a bucket with a slash',
      { artifacts: { gcs: { bucket: 'a/b' } } },
      'artifacts.gcs.bucket',
      /without "\/"/,
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

describe('classifyError', () => {
  const cases: [string, unknown, number][] = [
    [
      'connection refused',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      1,
    ],
    ['admin shutdown', Object.assign(new Error('terminating connection'), { code: '57P01' }), 1],
    ['a terminated connection', new Error('Connection terminated unexpectedly'), 1],
    ['a missing table', Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }), 2],
    ['a missing column', Object.assign(new Error('column "y" does not exist'), { code: '42703' }), 2],
    ['a wrong password', Object.assign(new Error('password authentication failed'), { code: '28P01' }), 2],
    ['a bad cell', new DataSourceError('column "income", row 3: "n/a" is not a finite number'), 2],
    ['a registry refusal', new RegistryNotFoundError('model a/b is not in the registry'), 2],
    [
      'a missing bucket',
      new ArtifactStoreError('gs://b/o', 'upload failed', {
        cause: Object.assign(new Error('nf'), { code: 404 }),
      }),
      2,
    ],
    [
      'a GCS server error',
      new ArtifactStoreError('gs://b/o', 'upload failed', {
        cause: Object.assign(new Error('x'), { code: 503 }),
      }),
      1,
    ],
    ['anything unknown', new Error('something odd'), 1],
  ];
  for (const [what, err, code] of cases) {
    test(`${what} exits ${code}`, () => assert.equal(classifyError(err).exitCode, code));
  }
});

test('--artifacts picks the store', () => {
  assert.deepEqual(parseArtifactsFlag(undefined), { postgres: {} });
  assert.deepEqual(parseArtifactsFlag('gs://bucket/models/personas'), {
    gcs: { bucket: 'bucket', prefix: 'models/personas' },
  });
  assert.deepEqual(parseArtifactsFlag('./models'), { volume: { path: './models' } });
  assert.throws(() => parseArtifactsFlag('s3://b/p'), /--artifacts must be/);
});
