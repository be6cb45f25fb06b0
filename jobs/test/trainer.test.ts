// The training Job entry point against a real, throwaway Postgres (registry and data in the
// same server) and the FAKE GCS server: success, idempotent retries, and the exit codes that
// decide whether Kubernetes retries the Job.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, freePort, type TestPostgres } from '../../test/support/postgres.ts';
import { captureLog } from './support/capture-log.ts';
import { startFakeGcs, type FakeGcs } from '../../test/fakes/gcs.ts';
import { Registry } from '@persona-operator/registry';
import { parseTrainingJobSpec, type TrainingJobSpec } from '@persona-operator/jobs/training-spec';
import { runTrainingJob } from '../src/trainer/job.ts';

let db: TestPostgres;
let gcs: FakeGcs;
let registry: Registry;
let dir: string;

// Two well-separated groups, 20 rows each: enough for k in 2..3 and quick to fit.
function surveyRows(): [number, number, string][] {
  const rows: [number, number, string][] = [];
  for (let i = 0; i < 20; i++) rows.push([25 + (i % 5), 30_000 + 500 * (i % 7), i % 2 ? 'web' : 'store']);
  for (let i = 0; i < 20; i++) rows.push([55 + (i % 5), 90_000 + 700 * (i % 6), i % 3 ? 'store' : 'web']);
  return rows;
}

const csv = (): string =>
  `age,income,channel\n${surveyRows()
    .map((r) => r.join(','))
    .join('\n')}\n`;

before(async () => {
  db = await startPostgres();
  gcs = await startFakeGcs({ buckets: ['data', 'models'] });
  dir = mkdtempSync(join(tmpdir(), 'persona-trainer-'));
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('CREATE TABLE survey (age integer, income numeric, channel text, note text)');
  for (const [age, income, channel] of surveyRows()) {
    await c.query('INSERT INTO survey VALUES ($1, $2, $3, $4)', [age, income, channel, 'ok']);
  }
  await c.query('CREATE TABLE bad_survey AS SELECT age, income::text AS income FROM survey');
  await c.query(
    "UPDATE bad_survey SET income = 'n/a' WHERE age = 27 AND income IN (SELECT income FROM bad_survey WHERE age = 27 LIMIT 1)",
  );
  await c.end();
  registry = await Registry.connect(db.url, { gcs: { apiEndpoint: gcs.endpoint, projectId: 'test' } });
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await gcs?.stop();
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function spec(overrides: Record<string, unknown> = {}): TrainingJobSpec {
  return parseTrainingJobSpec({
    model: { namespace: 'shop', name: 'customers' },
    features: [{ name: 'age' }, { name: 'income' }],
    k: { min: 2, max: 3 },
    nInit: 2,
    seed: 7,
    data: { postgres: { query: 'SELECT age, income FROM survey' } },
    ...overrides,
  });
}

async function run(s: TrainingJobSpec, runId: string, registryUrl = db.url) {
  const { logger, lines } = captureLog();
  const result = await runTrainingJob(s, {
    registryUrl,
    runId,
    logger,
    env: { PERSONA_DATA_URL: db.url },
    gcs: { apiEndpoint: gcs.endpoint, projectId: 'test' },
    train: { workers: 1 },
  });
  return { ...result, lines };
}

describe('trainer job', () => {
  test('trains from a Postgres query, registers version 1 with metrics and the run, logs JSON lines', async () => {
    const r = await run(spec(), 'job-uid-1');
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    assert.equal(r.version, 1);
    assert.equal(r.created, true);
    const v = await registry.getVersion({ namespace: 'shop', name: 'customers', version: 1 });
    assert.equal(v.runId, 'job-uid-1');
    assert.equal(v.metrics.k, 2, 'two separated groups give k = 2');
    assert.equal(v.params.rows, 40);
    const runRow = await registry.getTrainingRun({ namespace: 'shop', name: 'customers' }, 'job-uid-1');
    assert.equal(runRow?.status, 'succeeded');
    assert.equal(runRow?.version, 1);
    const phases = r.lines.map((l) => l.phase);
    for (const p of ['connect', 'read', 'fit', 'register', 'done'])
      assert.ok(phases.includes(p), `logged phase ${p}`);
    assert.ok(!JSON.stringify(r.lines).includes(db.url), 'the database URL is never logged');
  });

  test('re-running the same run registers nothing new; a new run keeps the persona names', async () => {
    const again = await run(spec(), 'job-uid-1');
    assert.equal(again.exitCode, 0);
    assert.equal(again.version, 1);
    assert.equal(again.created, false);
    assert.equal((await registry.listVersions({ namespace: 'shop', name: 'customers' })).length, 1);
    const next = await run(spec({ seed: 8 }), 'job-uid-2');
    assert.equal(next.version, 2);
    const [a, b] = await Promise.all(
      [1, 2].map((version) => registry.loadArtifact({ namespace: 'shop', name: 'customers', version })),
    );
    assert.deepEqual(b.personas.map((p) => p.name).sort(), a.personas.map((p) => p.name).sort());
  });

  test('reads a CSV from gs:// and writes the artifact to a gs:// bucket', async () => {
    gcs.putObject('data', 'survey/2025-01.csv', csv(), 'text/csv');
    const r = await run(
      spec({
        model: { namespace: 'shop', name: 'gcs-model' },
        features: [{ name: 'age' }, { name: 'income' }, { name: 'channel', type: 'categorical' }],
        data: { gcs: { uri: 'gs://data/survey/2025-01.csv' } },
        artifacts: { gcs: { bucket: 'models', prefix: 'personas' } },
      }),
      'gcs-run',
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    const v = await registry.getVersion({ namespace: 'shop', name: 'gcs-model', version: 1 });
    assert.equal(v.artifactUri, 'gs://models/personas/shop/gcs-model/1/model.json');
    const artifact = await registry.loadArtifact(v);
    assert.deepEqual(
      artifact.features.map((f) => f.type),
      ['numeric', 'numeric', 'categorical'],
    );
    // What drift checks compare with travels with the version, whichever store holds it.
    const stats = artifact.referenceStats;
    assert.equal(stats?.rows, 40);
    assert.equal(
      stats?.personaCounts.reduce((a, b) => a + b, 0),
      40,
    );
    assert.equal(stats?.distanceQuantiles.length, 1001);
    assert.equal(stats?.sampleLabels.length, artifact.reference.rows.length);
  });

  test('reads a CSV from a volume path', async () => {
    const file = join(dir, 'january.csv');
    writeFileSync(file, csv());
    const r = await run(
      spec({ model: { namespace: 'shop', name: 'vol' }, data: { volume: { path: file } } }),
      'v1',
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
  });

  const failures: [string, Record<string, unknown>, RegExp][] = [
    [
      'a missing table',
      { data: { postgres: { query: 'SELECT age, income FROM no_such_table' } } },
      /no_such_table/,
    ],
    [
      'a missing column',
      { features: [{ name: 'age' }, { name: 'height' }] },
      /column "height" is not in the query result/,
    ],
    [
      'a non-numeric value',
      { data: { postgres: { query: 'SELECT age, income FROM bad_survey' } } },
      /column "income", row \d+: "n\/a" is not a finite number/,
    ],
    [
      'an empty result',
      { data: { postgres: { query: 'SELECT age, income FROM survey WHERE false' } } },
      /no rows/,
    ],
    [
      'a result over the row limit',
      { data: { postgres: { query: 'SELECT age, income FROM survey', rowLimit: 10 } } },
      /row limit of 10/,
    ],
    ['a missing data file', { data: { volume: { path: '/nonexistent/x.csv' } } }, /no such file/],
    ['a missing gs:// object', { data: { gcs: { uri: 'gs://data/nope.csv' } } }, /no such object/],
  ];
  for (const [what, overrides, message] of failures) {
    test(`exits 2 (do not retry) for ${what}, and records the failed run`, async () => {
      const runId = `bad-${what.replace(/\W+/g, '-')}`;
      const r = await run(spec({ model: { namespace: 'shop', name: 'failing' }, ...overrides }), runId);
      assert.equal(r.exitCode, 2);
      const last = r.lines.at(-1)!;
      assert.equal(last.kind, 'bad-input');
      assert.match(String(last.msg), message);
      const recorded = await registry.getTrainingRun({ namespace: 'shop', name: 'failing' }, runId);
      assert.equal(recorded?.status, 'failed');
      assert.match(recorded?.error ?? '', message);
    });
  }

  test('exits 1 (retry) when the registry is unreachable', async () => {
    const port = await freePort();
    const r = await run(spec(), 'unreachable', `postgres://postgres@127.0.0.1:${port}/postgres`);
    assert.equal(r.exitCode, 1);
    assert.equal(r.lines.at(-1)?.kind, 'transient');
  });

  test('exits 1 (retry) when the data database is unreachable', async () => {
    const port = await freePort();
    const { logger, lines } = captureLog();
    const r = await runTrainingJob(spec(), {
      registryUrl: db.url,
      runId: 'data-down',
      logger,
      env: { PERSONA_DATA_URL: `postgres://postgres@127.0.0.1:${port}/postgres` },
      train: { workers: 1 },
    });
    assert.equal(r.exitCode, 1);
    assert.match(String(lines.at(-1)?.msg), /ECONNREFUSED/);
  });
});

describe('trainer job: the data of a drift retrain and the lineage', () => {
  const model = { namespace: 'shop', name: 'retrained' };
  const features = [{ name: 'age' }, { name: 'income' }];
  const query = 'SELECT age, income FROM survey';
  const older = 'SELECT age, income FROM survey WHERE age < 40';
  const logAt = new Date('2025-03-10T12:00:00.000Z');

  before(async () => {
    await registry.ensureModel(model);
    await registry.insertPredictionLog(
      surveyRows().map(([age, income], i) => ({
        ...model,
        version: 1,
        at: new Date(logAt.getTime() + i * 1000),
        features: { age, income, channel: 'web' },
        persona: 'p',
      })),
    );
  });

  test('a single source is recorded as the model data with its trigger, rows and hash', async () => {
    const r = await run(
      spec({
        model,
        features,
        data: { postgres: { query, secretRef: { name: 'customer-db', key: 'url' } } },
        trigger: { kind: 'spec', detail: 'NoVersion' },
      }),
      'lineage-1',
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    const v = await registry.getVersion({ ...model, version: r.version! });
    assert.deepEqual(v.lineage?.trigger, { kind: 'spec', detail: 'NoVersion' });
    assert.equal(v.lineage?.data.choice, 'Model');
    assert.deepEqual(
      v.lineage?.data.parts.map((p) => [p.role, p.rows, p.origin]),
      [['model', 40, { postgres: { query, secretRef: { name: 'customer-db', key: 'url' } } }]],
    );
    assert.match(v.lineage!.data.parts[0].dataHash, /^[0-9a-f]{64}$/);
    assert.equal(v.lineage!.data.parts[0].dataHash, v.dataHash, 'one part: the hash of all the rows');
  });

  test('ReferenceAndCurrent reads both parts, trains on all their rows and records each', async () => {
    const r = await run(
      spec({
        model,
        features,
        dataChoice: 'ReferenceAndCurrent',
        trigger: { kind: 'drift', driftReportId: 12, monitor: 'shop/customers-drift' },
        data: {
          parts: [
            { role: 'reference', source: { postgres: { query: older } } },
            {
              role: 'current',
              source: {
                predictions: {
                  from: logAt.toISOString(),
                  to: new Date(logAt.getTime() + 3_600_000).toISOString(),
                },
              },
            },
          ],
        },
      }),
      'lineage-2',
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    const v = await registry.getVersion({ ...model, version: r.version! });
    assert.deepEqual(v.lineage?.trigger, {
      kind: 'drift',
      driftReportId: 12,
      monitor: 'shop/customers-drift',
    });
    assert.equal(v.lineage?.data.choice, 'ReferenceAndCurrent');
    assert.deepEqual(
      v.lineage?.data.parts.map((p) => [p.role, p.rows]),
      [
        ['reference', 20],
        ['current', 40],
      ],
    );
    assert.equal(v.params.rows, 60, 'trained on both parts');
    assert.notEqual(v.lineage!.data.parts[0].dataHash, v.lineage!.data.parts[1].dataHash);
  });

  test('an empty window fails with exit 2 naming the window, and registers nothing', async () => {
    const before = await registry.listVersions(model);
    const r = await run(
      spec({
        model,
        features,
        dataChoice: 'Current',
        data: { predictions: { from: '1999-01-01T00:00:00.000Z', to: '1999-01-02T00:00:00.000Z' } },
      }),
      'lineage-empty',
    );
    assert.equal(r.exitCode, 2);
    const failed = await registry.getTrainingRun(model, 'lineage-empty');
    assert.match(
      failed?.error ?? '',
      /the logged predictions from 1999-01-01T00:00:00.000Z to 1999-01-02T00:00:00.000Z\): the window is empty/,
    );
    assert.deepEqual(await registry.listVersions(model), before);
  });

  test('a part without a feature column fails with exit 2 naming the part and the column', async () => {
    const r = await run(
      spec({
        model,
        features,
        dataChoice: 'Current',
        data: { parts: [{ role: 'current', source: { postgres: { query: 'SELECT age FROM survey' } } }] },
      }),
      'lineage-missing',
    );
    assert.equal(r.exitCode, 2);
    const failed = await registry.getTrainingRun(model, 'lineage-missing');
    assert.match(failed?.error ?? '', /data\.parts\[0\] \(current data\): .*column "income"/);
  });

  test('a window whose end is not after its start is a spec error naming the field', () => {
    assert.throws(
      () =>
        spec({
          model,
          features,
          data: { predictions: { from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' } },
        }),
      /data\.predictions\.to: expected after from/,
    );
  });
});

describe('trainer job: persona diff against production', () => {
  const model = { namespace: 'shop', name: 'diffed' };
  const features = [{ name: 'age' }, { name: 'income' }];

  test('no production version: no diff', async () => {
    const r = await run(spec({ model, features }), 'diff-1');
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    assert.equal(r.version, 1);
    assert.ok(!r.lines.some((l) => l.phase === 'diff'));
  });

  test("a new version's diff against production is stored, on its training sample", async () => {
    await registry.setAlias(model, 'production', 1, { actor: 'test', reason: 'first version' });
    const r = await run(
      spec({
        model,
        features,
        data: { postgres: { query: 'SELECT age, income FROM survey WHERE age < 40' } },
      }),
      'diff-2',
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    const stored = await registry.getVersionDiff(model, 1, 2);
    assert.ok(stored, 'diff stored');
    assert.equal(stored.diff.sample.source, 'training');
    assert.equal(stored.diff.sample.rows, 20, "the young half: the new version's training rows");
    const candidate = await registry.loadArtifact({ ...model, version: 2 });
    assert.equal(stored.diff.matched.length + stored.diff.new.length, candidate.personas.length);
    assert.equal(stored.diff.mix.to.length, candidate.personas.length);
    assert.ok(stored.diff.churn !== null && stored.diff.adjustedRandIndex !== null);
    const line = r.lines.find((l) => l.phase === 'diff');
    assert.match(String(line?.msg), /^version 2 vs 1: churn \d+\.\d% of 20 training rows, ARI/);
  });

  test('with a week of logged predictions the sample is drawn from them, the same rows on a retry', async () => {
    const now = Date.now();
    await registry.insertPredictionLog(
      Array.from({ length: 1200 }, (_, i) => {
        const [age, income] = surveyRows()[i % 40];
        return {
          ...model,
          version: 1,
          at: new Date(now - 3_600_000 + i),
          features: { age, income },
          persona: 'p',
        };
      }),
    );
    const r = await run(spec({ model, features, seed: 9 }), 'diff-3');
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    const stored = await registry.getVersionDiff(model, 1, 3);
    assert.equal(stored?.diff.sample.source, 'predictions');
    assert.equal(stored?.diff.sample.rows, 1200);
    // The run is finished: a retry changes nothing and stores no second diff.
    const again = await run(spec({ model, features, seed: 9 }), 'diff-3');
    assert.equal(again.created, false);
    assert.deepEqual((await registry.getVersionDiff(model, 1, 3))?.diff, stored?.diff);
  });
});
