// kwok, the node simulator of bench:scale, is cached per version like the control-plane
// binaries: the version comes from the wrapper module's go.mod, and TEST_ASSET_KWOK points
// at another binary instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { cacheRoot, kwokPath, requiredVersion } from './assets.ts';

test('kwok is cached under its pinned version unless TEST_ASSET_KWOK names a binary', (t) => {
  const saved = process.env.TEST_ASSET_KWOK;
  t.after(() => {
    if (saved === undefined) delete process.env.TEST_ASSET_KWOK;
    else process.env.TEST_ASSET_KWOK = saved;
  });
  delete process.env.TEST_ASSET_KWOK;
  const version = requiredVersion(
    fileURLToPath(new URL('./assets/kwok/', import.meta.url)),
    'sigs.k8s.io/kwok',
  );
  assert.match(version, /^v\d+\.\d+\.\d+$/);
  assert.equal(kwokPath(), join(cacheRoot(), `kwok-${version}`, 'kwok'));
  process.env.TEST_ASSET_KWOK = 'elsewhere/kwok';
  assert.equal(kwokPath(), 'elsewhere/kwok');
});
