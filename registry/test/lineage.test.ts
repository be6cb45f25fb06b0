// Version lineage against a real, throwaway Postgres: stored with the version, read back by
// every version read, refused when malformed (registering nothing), and kept by a retried run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import {
  describeDataParts,
  describeDataShort,
  describeTrigger,
  Registry,
  RegistryError,
} from '../src/index.ts';
import type { VersionLineage } from '../src/index.ts';
import { sampleArtifact } from './support/sample-artifact.ts';

let db: TestPostgres;
let registry: Registry;

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url, { max: 4 });
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

const model = { namespace: 'shop', name: 'lineage' };

const fromModel: VersionLineage = {
  trigger: { kind: 'spec', detail: 'NoVersion' },
  data: {
    choice: 'Model',
    parts: [
      {
        role: 'model',
        origin: {
          postgres: {
            query: "SELECT * FROM survey WHERE month = '2025-01'",
            secretRef: { name: 'db', key: 'url' },
          },
        },
        rows: 500,
        dataHash: 'a'.repeat(64),
      },
    ],
  },
};

const fromDrift: VersionLineage = {
  trigger: { kind: 'drift', driftReportId: 7, monitor: 'shop/customers-drift' },
  data: {
    choice: 'ReferenceAndCurrent',
    parts: [
      { ...fromModel.data.parts[0], role: 'reference' },
      {
        role: 'current',
        origin: { predictions: { from: '2025-03-01T00:00:00.000Z', to: '2025-03-02T00:00:00.000Z' } },
        rows: 420,
        dataHash: 'b'.repeat(64),
      },
    ],
  },
};

describe('version lineage', () => {
  test('is stored with the version and read back by getVersion, listVersions and latestVersion', async () => {
    const v1 = await registry.registerVersion({
      model,
      runId: 'r1',
      artifact: sampleArtifact(),
      lineage: fromModel,
    });
    const v2 = await registry.registerVersion({
      model,
      runId: 'r2',
      artifact: sampleArtifact(),
      lineage: fromDrift,
    });
    assert.deepEqual(v1.version.lineage, fromModel);
    assert.deepEqual((await registry.getVersion({ ...model, version: 2 })).lineage, fromDrift);
    assert.deepEqual((await registry.latestVersion(model))?.lineage, fromDrift);
    const listed = await registry.listVersions(model);
    assert.deepEqual(
      listed.map((v) => v.lineage?.trigger?.kind),
      ['spec', 'drift'],
    );
    assert.equal(v2.version.version, 2);
    // The report id has a column of its own, to find the version a report caused.
    const byReport = await registry.pool.query<{ version: number }>(
      'SELECT version FROM model_versions WHERE drift_report_id = $1',
      [7],
    );
    assert.deepEqual(
      byReport.rows.map((r) => r.version),
      [2],
    );
  });

  test('a version registered without lineage reads back as null', async () => {
    const { version } = await registry.registerVersion({ model, runId: 'r3', artifact: sampleArtifact() });
    assert.equal(version.lineage, null);
    assert.equal(describeDataShort(version.lineage), '-');
  });

  test('a retried run keeps the lineage its first attempt registered', async () => {
    const again = await registry.registerVersion({
      model,
      runId: 'r2',
      artifact: sampleArtifact(),
      lineage: fromModel,
    });
    assert.equal(again.created, false);
    assert.deepEqual(again.version.lineage, fromDrift);
  });

  test('malformed lineage is refused naming the field, and registers nothing', async () => {
    const before = await registry.listVersions(model);
    const bad = {
      ...fromModel,
      data: { ...fromModel.data, parts: [{ ...fromModel.data.parts[0], rows: -1 }] },
    };
    await assert.rejects(
      registry.registerVersion({ model, runId: 'r-bad', artifact: sampleArtifact(), lineage: bad }),
      (err: unknown) => err instanceof RegistryError && /lineage\.data\.parts\[0\]\.rows/.test(err.message),
    );
    assert.deepEqual(await registry.listVersions(model), before);
  });

  test('reads as one line each for people', () => {
    assert.equal(describeTrigger(fromDrift.trigger), 'drift report 7 (shop/customers-drift)');
    assert.equal(describeTrigger({ kind: 'manual', detail: 'again' }), 'manual (again)');
    assert.equal(describeTrigger(undefined), '-');
    assert.equal(describeDataShort(fromDrift), 'ReferenceAndCurrent: 500 + 420 rows');
    assert.deepEqual(describeDataParts(fromDrift), [
      `reference: query "SELECT * FROM survey WHERE month = '2025-01'", 500 rows, sha256 aaaaaaaaaaaa`,
      'current: predictions 2025-03-01T00:00:00.000Z .. 2025-03-02T00:00:00.000Z, 420 rows, sha256 bbbbbbbbbbbb',
    ]);
  });
});
