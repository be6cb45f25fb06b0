// Loading the served model from the registry and logging predictions into it, against a real
// throwaway Postgres.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPredictorApp } from '../src/app.ts';
import { loadModelFile, loadModelFromRegistry, ModelLoadError } from '../src/load.ts';
import { serveArtifact } from '../src/model.ts';
import { fixtureArtifact, KNOWN_ROWS } from './support/fixture.ts';
import { REF, useFixtureRegistry } from './support/registry.ts';
import { predictV1 } from './support/app.ts';

const fixture = useFixtureRegistry();

describe('loading from the registry', () => {
  test('loads the version asked for and serves it under the PersonaModel name', async () => {
    const model = await loadModelFromRegistry(fixture.registry, { ...REF, version: 1 });
    assert.equal(model.name, 'customers');
    assert.equal(model.namespace, 'shop');
    assert.equal(model.version, 1);
    const app = buildPredictorApp({ model, defaultMetrics: false });
    try {
      const res = await predictV1(app, [KNOWN_ROWS[1].row]);
      assert.equal(res.status, 200);
      assert.equal((res.body.predictions as { persona: string }[])[0].persona, 'Older Store');
      const info = (await app.inject({ url: '/metrics' })).body;
      assert.match(info, /persona_predictor_model_info\{model="customers",version="1"\} 1/);
    } finally {
      await app.close();
    }
  });

  test('a version that does not exist is a permanent load error naming it', async () => {
    await assert.rejects(loadModelFromRegistry(fixture.registry, { ...REF, version: 9 }), (err: unknown) => {
      assert.ok(err instanceof ModelLoadError);
      assert.equal(err.transient, false);
      assert.match(err.message, /model shop\/customers version 9 is not in the registry/);
      return true;
    });
    await assert.rejects(
      loadModelFromRegistry(fixture.registry, { namespace: 'shop', name: 'nobody', version: 1 }),
      /shop\/nobody version 1/,
    );
  });

  test('a damaged artifact in the registry is a permanent load error naming the field', async () => {
    const artifact = fixtureArtifact();
    delete artifact.model;
    const { version } = await fixture.registry.registerVersion({
      model: REF,
      runId: 'run-damaged',
      artifact,
    });
    // Damage the stored document behind the registry's back, as a bad migration or hand edit would.
    const res = await fixture.registry.pool.query<{ artifact_uri: string }>(
      `SELECT v.artifact_uri FROM model_versions v JOIN models m ON m.id = v.model_id WHERE m.namespace = $1 AND m.name = $2 AND v.version = $3`,
      [REF.namespace, REF.name, version.version],
    );
    const tables = await fixture.registry.pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'jsonb' AND column_name = 'document'`,
    );
    assert.ok(res.rows[0] && tables.rows[0], 'the registry stores artifacts in a jsonb "document" column');
    const { table_name } = tables.rows[0];
    await fixture.registry.pool.query(
      `UPDATE ${table_name} SET document = jsonb_set(document, '{personas,0,scaled}', '"oops"'::jsonb) WHERE document -> 'model' ->> 'version' = $1`,
      [String(version.version)],
    );
    await assert.rejects(
      loadModelFromRegistry(fixture.registry, { ...REF, version: version.version }),
      (err: unknown) => {
        assert.ok(err instanceof ModelLoadError);
        assert.equal(err.transient, false);
        assert.match(err.message, /personas\[0\]\.scaled/);
        return true;
      },
    );
  });
});

describe('loading from a file', () => {
  test('good, missing and invalid files', async (t) => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'persona-predictor-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const good = join(dir, 'model.json');
    writeFileSync(good, JSON.stringify(fixtureArtifact()));
    const model = await loadModelFile(good);
    assert.deepEqual([model.name, model.namespace, model.version], ['customers', 'shop', 3]);
    const renamed = await loadModelFile(good, { name: 'buyers' });
    assert.equal(renamed.name, 'buyers');

    await assert.rejects(loadModelFile(join(dir, 'none.json')), /cannot read model file .*none\.json/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"schemaVersion": 1, "features": [');
    await assert.rejects(loadModelFile(broken), /broken\.json is not a valid artifact: .*not valid JSON/);
    const wrong = join(dir, 'wrong.json');
    const doc = fixtureArtifact() as unknown as { features: { mean?: unknown }[] };
    doc.features[0].mean = 'forty';
    writeFileSync(wrong, JSON.stringify(doc));
    await assert.rejects(loadModelFile(wrong), (err: unknown) => {
      assert.ok(err instanceof ModelLoadError && !err.transient);
      assert.match(err.message, /features\[0\]\.mean/);
      return true;
    });
  });
});

describe('prediction logging into the registry', () => {
  test('scored rows land in the prediction log, flushed when the app closes', async () => {
    const model = await loadModelFromRegistry(fixture.registry, { ...REF, version: 1 });
    const since = new Date(Date.now() - 1000);
    const app = buildPredictorApp({
      model,
      defaultMetrics: false,
      predictionLog: {
        sink: (e) => fixture.registry.insertPredictionLog(e),
        flushIntervalMs: 60_000,
        batchSize: 1000,
      },
    });
    assert.equal(
      (await predictV1(app, [KNOWN_ROWS[0].row, { age: 57, income: 72000, channel: 'store' }])).status,
      200,
    );
    assert.equal((await predictV1(app, [KNOWN_ROWS[2].row])).status, 200);
    // A rejected request logs nothing.
    assert.equal((await predictV1(app, [KNOWN_ROWS[2].row, [1, 'x', 'web']])).status, 400);
    assert.equal(
      app.predictor.state.predictionLog?.pending,
      3,
      'nothing written before the interval or close',
    );
    await app.close();
    const rows = await fixture.registry.readPredictionLog(REF, { since });
    assert.deepEqual(
      rows.map((r) => [r.version, r.persona, r.features]),
      [
        [1, 'Young Web', { age: 29, income: 39000, channel: 'web' }],
        [1, 'Older Store', { age: 57, income: 72000, channel: 'store' }],
        [1, 'Affluent Web', { age: 46, income: 115000, channel: 'web' }],
      ],
    );
  });

  test('a registry that refuses the inserts never fails a prediction; the drop is counted', async () => {
    // A model the registry does not know: every insert fails.
    const model = serveArtifact(fixtureArtifact(), { namespace: 'elsewhere', name: 'ghost', version: 1 });
    const app = buildPredictorApp({
      model,
      defaultMetrics: false,
      predictionLog: { sink: (e) => fixture.registry.insertPredictionLog(e), batchSize: 1 },
    });
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await predictV1(app, [KNOWN_ROWS[0].row], 'ghost')).status, 200);
      await app.predictor.state.predictionLog?.flush();
      const text = (await app.inject({ url: '/metrics' })).body;
      assert.match(text, /persona_predictor_prediction_log_dropped_total\{reason="insert_failed"\} 3/);
    } finally {
      await app.close();
    }
  });

  test('logging needs a namespace and a version', async () => {
    const artifact = fixtureArtifact();
    delete artifact.model;
    const unlogged = serveArtifact(artifact, { name: 'x' });
    const message = /prediction logging needs the model's namespace and version; model "x" has no namespace/;
    const given = buildPredictorApp({ model: unlogged, predictionLog: { sink: async () => undefined } });
    await assert.rejects(async () => given.ready(), message);
    await given.close();

    const app = buildPredictorApp({ predictionLog: { sink: async () => undefined }, defaultMetrics: false });
    await app.ready();
    assert.throws(() => app.predictor.setModel(unlogged), message);
    assert.equal(app.predictor.state.ready, false, 'a model that cannot be logged is not served');
    await app.close();
  });
});
