// The registry against a real, throwaway Postgres: version allocation under concurrency,
// idempotent registration, alias transactions, training runs, drift reports, prediction log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { migrate, Registry, RegistryConflictError, RegistryNotFoundError } from '../src/index.ts';
import { sampleArtifact } from './support/sample-artifact.ts';

let db: TestPostgres;
let registry: Registry;

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url, { max: 8 });
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

describe('migrations', () => {
  test('concurrent migrate runs apply the schema once and agree on the version', async () => {
    const fresh = new pg.Client({ connectionString: db.url });
    await fresh.connect();
    await fresh.query('CREATE DATABASE migrate_race');
    await fresh.end();
    const url = new URL(db.url);
    url.pathname = '/migrate_race';
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate(url.toString())));
    const applied = results.flatMap((r) => r.applied);
    assert.deepEqual(
      applied,
      [
        '1.registry',
        '2.drift-run-id',
        '3.drift-details',
        '4.version-lineage',
        '5.version-diffs',
        '6.training-trials',
      ],
      'exactly one runner applies each migration',
    );
    assert.ok(results.every((r) => r.to === 6));
    const again = await migrate(url.toString());
    assert.deepEqual(again, { from: 6, to: 6, applied: [] });
  });
});

describe('versions', () => {
  const model = { namespace: 'shop', name: 'customers' };

  test('concurrent registrations from several clients get distinct, gap-free numbers', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => Registry.connect(db.url, { max: 3 })));
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          clients[i % clients.length].registerVersion({
            model,
            runId: `run-${i}`,
            artifact: sampleArtifact(),
          }),
        ),
      );
      const numbers = results.map((r) => r.version.version).sort((a, b) => a - b);
      assert.deepEqual(
        numbers,
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.ok(results.every((r) => r.created));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  test('re-running a training run registers nothing new', async () => {
    const before = await registry.listVersions(model);
    const first = await registry.registerVersion({ model, runId: 'run-3', artifact: sampleArtifact() });
    assert.equal(first.created, false);
    assert.equal(first.version.runId, 'run-3');
    const retries = await Promise.all(
      [1, 2, 3].map(() =>
        registry.registerVersion({ model, runId: 'job-uid-retry', artifact: sampleArtifact() }),
      ),
    );
    assert.equal(new Set(retries.map((r) => r.version.version)).size, 1);
    assert.equal(retries.filter((r) => r.created).length, 1);
    const afterList = await registry.listVersions(model);
    assert.equal(afterList.length, before.length + 1);
  });

  test('reads latest, by number and the artifact with its model reference filled in', async () => {
    const latest = await registry.latestVersion(model);
    assert.ok(latest);
    assert.equal(latest.version, 13);
    assert.equal(latest.metrics.silhouette, 0.5);
    assert.equal(latest.artifactUri, 'registry:shop/customers/13');
    const artifact = await registry.loadArtifact({ ...model, version: 13 });
    assert.deepEqual(artifact.model, { ...model, version: 13 });
    assert.equal(artifact.personas[1].name, 'Established Spender');
    await assert.rejects(registry.getVersion({ ...model, version: 99 }), RegistryNotFoundError);
    await assert.rejects(
      registry.loadArtifact({ namespace: 'shop', name: 'nobody', version: 1 }),
      /model shop\/nobody has no version 1/,
    );
    await assert.rejects(registry.listVersions({ namespace: 'shop', name: 'nobody' }), RegistryNotFoundError);
    assert.equal(await registry.latestVersion({ namespace: 'shop', name: 'nobody' }), undefined);
  });
});

describe('aliases', () => {
  const model = { namespace: 'shop', name: 'promo' };

  test('two concurrent promotions leave exactly one production version and two events', async () => {
    for (const runId of ['a', 'b', 'c'])
      await registry.registerVersion({ model, runId, artifact: sampleArtifact() });
    const other = await Registry.connect(db.url);
    try {
      const results = await Promise.all([
        registry.setAlias(model, 'production', 1, { actor: 'operator', reason: 'gate passed' }),
        other.setAlias(model, 'production', 2, { actor: 'user:alice', reason: 'manual pin' }),
      ]);
      assert.ok(results.every((r) => r.changed));
    } finally {
      await other.close();
    }
    const rows = await registry.pool.query(
      "SELECT version FROM model_aliases a JOIN models m ON m.id = a.model_id WHERE m.name = 'promo' AND alias = 'production'",
    );
    assert.equal(rows.rowCount, 1);
    const events = await registry.listAliasEvents(model, { alias: 'production' });
    assert.equal(events.length, 2);
    // The later event moved production from the earlier event's version.
    assert.equal(events[0].fromVersion, events[1].toVersion);
    assert.equal(events[1].fromVersion, null);
    const prod = await registry.productionVersion(model);
    assert.equal(prod?.version, rows.rows[0].version);
    assert.deepEqual(prod?.aliases, ['production']);
  });

  test('rollback, no-op, compare-and-set, refusal and removal are recorded as such', async () => {
    await registry.setAlias(model, 'production', 3, { actor: 'operator', reason: 'better silhouette' });
    const back = await registry.setAlias(model, 'production', 1, {
      actor: 'operator',
      reason: 'rollout stalled',
    });
    assert.equal(back.event?.action, 'rollback');
    assert.equal(back.event?.fromVersion, 3);
    const same = await registry.setAlias(model, 'production', 1, { actor: 'operator', reason: 'again' });
    assert.equal(same.changed, false);
    assert.equal(same.event?.id, back.event?.id);
    await assert.rejects(
      registry.setAlias(model, 'production', 2, { actor: 'operator', reason: 'x', expectedVersion: 3 }),
      RegistryConflictError,
    );
    const refusal = await registry.recordRefusal(model, 'production', 2, {
      actor: 'operator',
      reason: 'silhouette 0.20 below minSilhouette 0.25',
    });
    assert.equal(refusal.action, 'refuse');
    assert.equal(refusal.fromVersion, 1);
    assert.equal(refusal.toVersion, 2);
    assert.equal((await registry.productionVersion(model))?.version, 1);
    const removed = await registry.removeAlias(model, 'staging', { actor: 'operator', reason: 'none' });
    assert.equal(removed, null);
    await assert.rejects(registry.setAlias(model, 'Prod!', 1, { actor: 'a', reason: 'r' }), /alias "Prod!"/);
    await assert.rejects(
      registry.setAlias(model, 'production', 42, { actor: 'a', reason: 'r' }),
      /no version 42/,
    );
    await assert.rejects(registry.archiveVersion({ ...model, version: 1 }), /is production/);
    const archived = await registry.archiveVersion({ ...model, version: 2 });
    assert.equal(archived.status, 'archived');
    await assert.rejects(registry.setAlias(model, 'production', 2, { actor: 'a', reason: 'r' }), /archived/);
  });
});

describe('training runs, archive, drift reports, prediction log', () => {
  const model = { namespace: 'shop', name: 'runs' };

  test('a run is started, retried and finished with its metrics and version', async () => {
    const started = await registry.startTrainingRun(model, 'uid-1', { k: { min: 2, max: 4 } });
    assert.equal(started.status, 'running');
    assert.equal(started.attempts, 1);
    await registry.failTrainingRun(model, 'uid-1', 'database unreachable');
    const retried = await registry.startTrainingRun(model, 'uid-1', { k: { min: 2, max: 4 } });
    assert.equal(retried.attempts, 2);
    assert.equal(retried.error, null);
    const artifact = sampleArtifact({ silhouette: 0.61 });
    const { version } = await registry.registerVersion({ model, runId: 'uid-1', artifact });
    const done = await registry.finishTrainingRun(model, 'uid-1', {
      metrics: artifact.metrics,
      version: version.version,
    });
    assert.equal(done.status, 'succeeded');
    assert.equal(done.metrics?.silhouette, 0.61);
    assert.equal(done.version, 1);
    const late = await registry.failTrainingRun(model, 'uid-1', 'late failure');
    assert.equal(late.status, 'succeeded', 'a late failure never overwrites success');
    await assert.rejects(
      registry.finishTrainingRun(model, 'uid-x', { metrics: artifact.metrics, version: 1 }),
      /no training run/,
    );
  });

  test('archiving a model stops registration until it is ensured again', async () => {
    const archived = await registry.archiveModel(model);
    assert.ok(archived.archivedAt instanceof Date);
    await assert.rejects(
      registry.registerVersion({ model, runId: 'uid-2', artifact: sampleArtifact() }),
      /archived/,
    );
    assert.equal(
      (await registry.listModels()).some((m) => m.name === 'runs'),
      false,
    );
    const revived = await registry.ensureModel(model);
    assert.equal(revived.archivedAt, null);
    const { version } = await registry.registerVersion({ model, runId: 'uid-2', artifact: sampleArtifact() });
    assert.equal(version.version, 2);
  });

  test('drift reports round-trip', async () => {
    const report = await registry.insertDriftReport({
      monitor: 'shop/customers-drift',
      model: { ...model, version: 1 },
      driftDetected: true,
      share: 0.5,
      columns: [
        { name: 'income', test: 'ks', statistic: 0.4, pValue: 0.001, threshold: 0.05, drifted: true },
      ],
      summary: { referenceRows: 2, currentRows: 3 },
    });
    assert.ok(report.id > 0);
    const [latest] = await registry.listDriftReports('shop/customers-drift');
    assert.equal(latest.id, report.id);
    assert.equal(latest.columns[0].pValue, 0.001);
    assert.deepEqual(latest.model, { ...model, version: 1 });
    await assert.rejects(
      registry.insertDriftReport({ ...report, model: { namespace: 'x', name: 'y', version: 1 } }),
      RegistryNotFoundError,
    );
  });

  test('prediction log: one batch insert, window reads, unknown model rejected whole, pruning', async () => {
    const t0 = new Date('2025-03-01T00:00:00Z');
    const at = (min: number) => new Date(t0.getTime() + min * 60_000);
    await registry.insertPredictionLog([
      { ...model, version: 1, at: at(0), features: { age: 30, income: 41_000 }, persona: 'Young Saver' },
      {
        ...model,
        version: 1,
        at: at(5),
        features: { age: 52, income: 61_000 },
        persona: 'Established Spender',
      },
      { ...model, version: 2, at: at(10), features: { age: 33, income: 39_000 }, persona: 'Young Saver' },
    ]);
    const window = await registry.readPredictionLog(model, { since: at(1), until: at(11) });
    assert.deepEqual(
      window.map((e) => e.persona),
      ['Established Spender', 'Young Saver'],
    );
    assert.deepEqual(window[0].features, { age: 52, income: 61_000 });
    await assert.rejects(
      registry.insertPredictionLog([
        { ...model, version: 1, at: at(20), features: {}, persona: 'p' },
        { namespace: 'nope', name: 'nope', version: 1, at: at(20), features: {}, persona: 'p' },
      ]),
      /model nope\/nope is not in the registry/,
    );
    assert.equal((await registry.readPredictionLog(model, { since: at(0) })).length, 3);
    assert.equal(await registry.prunePredictionLog(at(6)), 2);
  });
});

describe('resilience', () => {
  test('a registry keeps working after Postgres restarts (idle connections are replaced)', async () => {
    const own = await startPostgres({ ownServer: true });
    const r = await Registry.connect(own.url, { max: 2 });
    try {
      await r.migrate();
      const model = { namespace: 'shop', name: 'restart' };
      await r.registerVersion({ model, runId: 'before', artifact: sampleArtifact() });
      assert.ok(own.restart, 'a throwaway cluster can restart');
      await own.restart();
      const { version } = await r.registerVersion({ model, runId: 'after', artifact: sampleArtifact() });
      assert.equal(version.version, 2);
    } finally {
      await r.close();
      await own.stop();
    }
  });
});
