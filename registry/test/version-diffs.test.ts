// Persona diffs against a real, throwaway Postgres: stored once per pair of versions, read back
// as stored, refused when malformed or when a version is missing (storing nothing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { personaDiff, type PersonaDiff } from '@persona-operator/core/personas/diff';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { Registry, RegistryError, RegistryNotFoundError } from '../src/index.ts';
import { sampleArtifact } from './support/sample-artifact.ts';

let db: TestPostgres;
let registry: Registry;

const model = { namespace: 'shop', name: 'diffs' };

function diffOf(from: number, to: number): PersonaDiff {
  const older = sampleArtifact();
  const newer = sampleArtifact();
  newer.personas[1] = { ...newer.personas[1], scaled: [1.2, 0.4] };
  return personaDiff(
    { version: from, artifact: older },
    { version: to, artifact: newer },
    { source: 'training', ...newer.reference },
  );
}

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url, { max: 4 });
  await registry.migrate();
  for (const runId of ['r1', 'r2', 'r3'])
    await registry.registerVersion({ model, runId, artifact: sampleArtifact() });
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

describe('version diffs', () => {
  test('a stored diff reads back as stored; nothing for a pair never stored', async () => {
    const diff = diffOf(1, 2);
    const stored = await registry.storeVersionDiff(model, diff);
    assert.deepEqual(stored.diff, diff);
    assert.deepEqual((await registry.getVersionDiff(model, 1, 2))?.diff, diff);
    assert.equal(await registry.getVersionDiff(model, 2, 1), undefined);
    assert.equal(await registry.getVersionDiff({ namespace: 'shop', name: 'other' }, 1, 2), undefined);
  });

  test('the first diff stored for a pair is kept (a retried Job changes nothing)', async () => {
    const first = await registry.storeVersionDiff(model, diffOf(1, 3));
    const second = await registry.storeVersionDiff(model, { ...diffOf(1, 3), churn: 0.9 });
    assert.deepEqual(second.diff, first.diff);
    assert.notEqual(second.diff.churn, 0.9);
  });

  test('a malformed diff is refused naming the field, and nothing is stored', async () => {
    const bad = { ...diffOf(2, 3), churn: 1.5 };
    await assert.rejects(
      registry.storeVersionDiff(model, bad),
      (err: unknown) => err instanceof RegistryError && /diff\.churn/.test(err.message),
    );
    await assert.rejects(
      registry.storeVersionDiff(model, diffOf(2, 2)),
      (err: unknown) => err instanceof RegistryError && /both 2/.test(err.message),
    );
    assert.equal(await registry.getVersionDiff(model, 2, 3), undefined);
  });

  test('a version or model that is not registered: not found, nothing stored', async () => {
    await assert.rejects(
      registry.storeVersionDiff(model, diffOf(1, 9)),
      (err: unknown) => err instanceof RegistryNotFoundError && /versions 1 and 9/.test(err.message),
    );
    await assert.rejects(
      registry.storeVersionDiff({ namespace: 'shop', name: 'missing' }, diffOf(1, 2)),
      (err: unknown) => err instanceof RegistryNotFoundError && /shop\/missing/.test(err.message),
    );
    const count = await registry.pool.query<{ n: string }>('SELECT count(*) AS n FROM version_diffs');
    assert.equal(count.rows[0].n, '2');
  });
});
