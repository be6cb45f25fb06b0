// An artifact round-trips through each store, written by registerVersion and read back by
// loadArtifact from the URI the registry recorded. GCS is the FAKE server from test/fakes/gcs.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { startFakeGcs, type FakeGcs } from '../../test/fakes/gcs.ts';
import { Registry } from '../src/index.ts';
import {
  ArtifactStoreError,
  createArtifactStore,
  GcsArtifactStore,
  VolumeArtifactStore,
  type ArtifactStore,
} from '../src/artifacts/index.ts';
import { sampleArtifact } from './support/sample-artifact.ts';

let db: TestPostgres;
let registry: Registry;
let gcs: FakeGcs;
let dir: string;

before(async () => {
  db = await startPostgres();
  gcs = await startFakeGcs({ buckets: ['persona-artifacts'] });
  dir = mkdtempSync(join(tmpdir(), 'persona-volume-'));
  registry = await Registry.connect(db.url, { gcs: { apiEndpoint: gcs.endpoint, projectId: 'test' } });
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await gcs?.stop();
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function roundTrip(store: ArtifactStore, name: string) {
  const model = { namespace: 'shop', name };
  const artifact = sampleArtifact({ silhouette: 0.42 });
  const { version } = await registry.registerVersion({ model, runId: `run-${name}`, artifact, store });
  const loaded = await registry.loadArtifact({ ...model, version: version.version });
  assert.deepEqual(loaded, { ...artifact, model: { ...model, version: 1 } });
  return version.artifactUri;
}

describe('artifact stores', () => {
  test('postgres (the default) keeps the artifact in the registry', async () => {
    const uri = await roundTrip(createArtifactStore({ postgres: {} }), 'pg-model');
    assert.equal(uri, 'registry:shop/pg-model/1');
  });

  test('gcs writes gs://bucket/prefix/<namespace>/<model>/<version>/model.json', async () => {
    const store = createArtifactStore(
      { gcs: { bucket: 'persona-artifacts', prefix: '/models/' } },
      { apiEndpoint: gcs.endpoint, projectId: 'test' },
    );
    const uri = await roundTrip(store, 'gcs-model');
    assert.equal(uri, 'gs://persona-artifacts/models/shop/gcs-model/1/model.json');
    const stored = gcs.buckets.get('persona-artifacts')?.get('models/shop/gcs-model/1/model.json');
    assert.ok(stored, 'the object is in the bucket');
    assert.equal(stored.contentType, 'application/json');
    assert.equal((JSON.parse(stored.data.toString()) as { model: { version: number } }).model.version, 1);
  });

  test('volume writes <path>/<namespace>/<model>/<version>/model.json', async () => {
    const uri = await roundTrip(new VolumeArtifactStore({ path: dir }), 'vol-model');
    assert.equal(fileURLToPath(uri), join(dir, 'shop', 'vol-model', '1', 'model.json'));
  });

  test('a failed upload registers no version', async () => {
    const store = new GcsArtifactStore({
      bucket: 'no-such-bucket',
      apiEndpoint: gcs.endpoint,
      projectId: 'test',
    });
    const model = { namespace: 'shop', name: 'failed-upload' };
    await assert.rejects(registry.registerVersion({ model, runId: 'r1', artifact: sampleArtifact(), store }));
    assert.equal(await registry.latestVersion(model), undefined);
    assert.equal(await registry.getModel(model), undefined, 'the whole registration rolled back');
  });

  test('a missing or damaged artifact is reported with its URI and the bad field', async () => {
    const store = new GcsArtifactStore({
      bucket: 'persona-artifacts',
      apiEndpoint: gcs.endpoint,
      projectId: 'x',
    });
    await assert.rejects(
      store.get('gs://persona-artifacts/nothing/here.json'),
      (err: unknown) => err instanceof ArtifactStoreError && /here\.json: no such object/.test(err.message),
    );
    const broken = { ...sampleArtifact(), personas: [] };
    gcs.putObject('persona-artifacts', 'broken/model.json', JSON.stringify(broken), 'application/json');
    await assert.rejects(store.get('gs://persona-artifacts/broken/model.json'), /invalid artifact: personas/);
    const file = join(dir, 'garbage.json');
    writeFileSync(file, '{not json');
    const volume = new VolumeArtifactStore({ path: dir });
    await assert.rejects(volume.get(`file://${file}`), /garbage\.json: not valid JSON/);
    await assert.rejects(volume.get(`file://${join(dir, 'absent.json')}`), /no such file/);
  });

  test('names that would escape the prefix are refused', () => {
    const store = new VolumeArtifactStore({ path: dir });
    assert.throws(() => store.uriFor({ namespace: '..', name: 'm', version: 1 }), /namespace "\.\."/);
    assert.throws(() => store.uriFor({ namespace: 'ns', name: 'a/b', version: 1 }), /model name "a\/b"/);
  });
});
