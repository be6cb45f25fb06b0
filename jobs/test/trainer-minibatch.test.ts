// The training Job with algorithm minibatch against a real Postgres: it registers a version
// fitted on the streamed rows; a batch larger than the table or a query failing half-way fails
// the run with exit 2, naming the field or the rows, and registers nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { captureLog } from './support/capture-log.ts';
import { Registry } from '@persona-operator/registry';
import { parseTrainingJobSpec, TrainingSpecError } from '@persona-operator/jobs/training-spec';
import { runTrainingJob } from '../src/trainer/job.ts';

let db: TestPostgres;
let registry: Registry;
const model = { namespace: 'shop', name: 'streamed' };

before(async () => {
  db = await startPostgres();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query(
    `CREATE TABLE visits AS SELECT i AS id, (i % 3) * 10 + (i % 7) / 7.0 AS a, (i % 3) * -5 + (i % 11) / 11.0 AS b
     FROM generate_series(1, 12000) i`,
  );
  await c.end();
  registry = await Registry.connect(db.url);
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

function spec(overrides: Record<string, unknown> = {}) {
  return parseTrainingJobSpec({
    model,
    features: [{ name: 'a' }, { name: 'b' }],
    k: { min: 2, max: 4 },
    nInit: 2,
    seed: 5,
    algorithm: 'minibatch',
    batchSize: 256,
    data: { postgres: { query: 'SELECT a, b FROM visits' } },
    ...overrides,
  });
}

async function run(runId: string, overrides: Record<string, unknown> = {}) {
  const { logger, lines } = captureLog();
  const result = await runTrainingJob(spec(overrides), {
    registryUrl: db.url,
    runId,
    logger,
    env: { PERSONA_DATA_URL: db.url },
  });
  return { ...result, lines };
}

describe('trainer job, algorithm minibatch', () => {
  test('registers a version fitted on the streamed rows, recording the algorithm and the data', async () => {
    const r = await run('mb-1');
    assert.equal(r.exitCode, 0, JSON.stringify(r.lines.at(-1)));
    const v = await registry.getVersion({ ...model, version: r.version! });
    assert.equal(v.metrics.k, 3, 'three groups');
    assert.equal(v.params.rows, 12000);
    assert.equal(v.params.algorithm, 'minibatch');
    assert.equal(v.params.fittedWith, 'minibatch');
    assert.deepEqual(
      v.lineage?.data.parts.map((p) => [p.role, p.rows]),
      [['model', 12000]],
    );
    const artifact = await registry.loadArtifact(v);
    assert.equal(artifact.referenceStats?.rows, 12000);
    assert.ok(
      r.lines.some((l) => l.phase === 'minibatch'),
      'logs mini-batch progress',
    );
  });

  const failures: [string, Record<string, unknown>, RegExp][] = [
    [
      'a batch larger than the table',
      { batchSize: 50_000 },
      /training\.batchSize: .*larger than the table \(12000 rows\)/,
    ],
    [
      'a query failing half-way',
      { data: { postgres: { query: 'SELECT a, 1 / (id - 9000) AS b FROM visits' } } },
      /failed after \d+ rows, while reading row \d+ or a later one: division by zero/,
    ],
  ];
  for (const [what, overrides, message] of failures) {
    test(`${what}: exit 2, the run failed with the reason, no new version`, async () => {
      const before = await registry.listVersions(model);
      const runId = `mb-${what.replace(/\W+/g, '-')}`;
      const r = await run(runId, overrides);
      assert.equal(r.exitCode, 2, JSON.stringify(r.lines.at(-1)));
      assert.match(String(r.lines.at(-1)?.msg), message);
      const recorded = await registry.getTrainingRun(model, runId);
      assert.equal(recorded?.status, 'failed');
      assert.match(recorded?.error ?? '', message);
      assert.equal((await registry.listVersions(model)).length, before.length);
    });
  }

  test('minibatch on data read whole (several parts) is a spec error naming the field', () => {
    assert.throws(
      () =>
        spec({
          data: {
            parts: [
              { role: 'reference', source: { postgres: { query: 'SELECT a, b FROM visits' } } },
              { role: 'current', source: { postgres: { query: 'SELECT a, b FROM visits' } } },
            ],
          },
        }),
      (err: Error) => err instanceof TrainingSpecError && /algorithm/.test(err.message),
    );
  });
});
