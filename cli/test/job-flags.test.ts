// The flags of the Job modes of `persona train` and `persona drift`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArtifactsFlag } from '../src/train-job.ts';
import { parseWindow } from '../src/drift-job.ts';

test('--artifacts picks the store', () => {
  assert.deepEqual(parseArtifactsFlag(undefined), { postgres: {} });
  assert.deepEqual(parseArtifactsFlag('gs://bucket/models/personas'), {
    gcs: { bucket: 'bucket', prefix: 'models/personas' },
  });
  assert.deepEqual(parseArtifactsFlag('./models'), { volume: { path: './models' } });
  assert.throws(() => parseArtifactsFlag('s3://b/p'), /--artifacts must be/);
});

test('--window is a duration of at least 1s, in whole seconds as the monitor rounds it', () => {
  assert.equal(parseWindow('90s'), 90);
  assert.equal(parseWindow('90m'), 5400);
  assert.equal(parseWindow('24h'), 86_400);
  assert.equal(parseWindow('7d'), 604_800);
  assert.equal(parseWindow('1500ms'), 2);
  for (const bad of ['24', '1w', '-1h', ''])
    assert.throws(() => parseWindow(bad), /^CliError: --window: expected a duration such as 500ms, 90s/);
  for (const small of ['0h', '999ms'])
    assert.throws(() => parseWindow(small), /^CliError: --window: expected a duration of at least 1s/);
});
