// The training Job as the pods of an Indexed Job, against a real, throwaway Postgres: the pods
// share the (k, restart) grid, the one that completes it registers the version the single pod
// registers, a retried pod adds no trial and gathers again without a second version, a pod
// failing transiently (exit 1) is retried alone, and bad input (in any pod, or pods that read
// other rows) fails with exit 2 and the pod's own words.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freePort, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { captureLog } from './support/capture-log.ts';
import { Registry } from '@persona-operator/registry';
import { parseTrainingJobSpec, type TrainingJobSpec } from '@persona-operator/jobs/training-spec';
import { runTrainingJob } from '../src/trainer/job.ts';

let db: TestPostgres;
let registry: Registry;

// Three groups of 30 rows, spread so that k = 2..4 are all plausible fits.
async function createSurvey(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('CREATE TABLE survey (id integer, age double precision, income double precision)');
  for (let i = 0; i < 90; i++) {
    const g = i % 3;
    const age = 25 + 20 * g + ((i * 7) % 11) * 0.9;
    const income = 30_000 + 25_000 * g + ((i * 13) % 17) * 900;
    await c.query('INSERT INTO survey VALUES ($1, $2, $3)', [i, age, income]);
  }
  await c.end();
}

before(async () => {
  db = await startPostgres();
  await createSurvey(db.url);
  registry = await Registry.connect(db.url);
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

function spec(name: string, overrides: Record<string, unknown> = {}): TrainingJobSpec {
  return parseTrainingJobSpec({
    model: { namespace: 'shop', name },
    features: [{ name: 'age' }, { name: 'income' }],
    k: { min: 2, max: 4 },
    nInit: 2,
    seed: 5,
    algorithm: 'lloyd',
    data: { postgres: { query: 'SELECT age, income FROM survey ORDER BY id' } },
    ...overrides,
  });
}

async function run(s: TrainingJobSpec, runId: string, index?: number, registryUrl = db.url) {
  const { logger, lines } = captureLog();
  const result = await runTrainingJob(s, {
    registryUrl,
    runId,
    logger,
    env: { PERSONA_DATA_URL: db.url },
    train: { workers: 1 },
    index,
  });
  return { ...result, lines };
}

/** The pods of one Indexed Job run, all at once. */
const runIndexed = (s: TrainingJobSpec, runId: string) =>
  Promise.all(Array.from({ length: s.parallelism }, (_, i) => run(s, runId, i)));

async function trialRows(runId: string): Promise<{ k: number; restart: number }[]> {
  const res = await registry.pool.query<{ k: number; restart: number }>(
    `SELECT t.k, t.restart FROM training_trials t JOIN training_runs r ON r.id = t.run_id
     WHERE r.run_id = $1 ORDER BY t.k, t.restart`,
    [runId],
  );
  return res.rows;
}

const loadV1 = (name: string) => registry.loadArtifact({ namespace: 'shop', name, version: 1 });

describe('trainer job over an Indexed Job', () => {
  test('3 pods register, once, the version 1 pod registers: same centroids and metrics', async () => {
    const single = await run(spec('one-pod'), 'run-1');
    assert.equal(single.exitCode, 0, JSON.stringify(single.lines.at(-1)));
    const pods = await runIndexed(spec('three-pods', { parallelism: 3 }), 'run-3');
    assert.deepEqual(
      pods.map((p) => p.exitCode),
      [0, 0, 0],
      JSON.stringify(pods.map((p) => p.lines.at(-1))),
    );
    // A pod starting after the version was registered only finds it (created false).
    const registered = pods.filter((p) => p.created === true);
    assert.equal(registered.length, 1, 'exactly one pod gathers and registers');
    assert.equal(registered[0].version, 1);
    assert.equal((await registry.listVersions({ namespace: 'shop', name: 'three-pods' })).length, 1);

    const [a, b] = await Promise.all([loadV1('one-pod'), loadV1('three-pods')]);
    assert.deepEqual(b.personas, a.personas);
    assert.deepEqual(b.metrics, a.metrics);
    assert.deepEqual(b.referenceStats, a.referenceStats);
    assert.equal(b.training.dataHash, a.training.dataHash);

    const rows = await trialRows('run-3');
    assert.equal(rows.length, 6, 'one trial per (k, restart) of the 3 x 2 grid');
    assert.equal(new Set(rows.map((r) => `${r.k}/${r.restart}`)).size, 6);
    const v = await registry.getVersion({ namespace: 'shop', name: 'three-pods', version: 1 });
    assert.equal(v.params.parallelism, 3);
    const runRow = await registry.getTrainingRun({ namespace: 'shop', name: 'three-pods' }, 'run-3');
    assert.equal(runRow?.status, 'succeeded');
  });

  test('a retried pod adds no trial; a gatherer retried before the run was finished gathers again, idempotently', async () => {
    const s = spec('retried', { parallelism: 3 });
    await runIndexed(s, 'run-r');
    const before = await trialRows('run-r');
    // The gatherer stopped between registering and finishing the run: its retry finds every
    // trial stored, fits nothing and registers nothing new.
    await registry.pool.query(
      "UPDATE training_runs SET status = 'running', version = NULL WHERE run_id = 'run-r'",
    );
    const retried = await run(s, 'run-r', 1);
    assert.equal(retried.exitCode, 0, JSON.stringify(retried.lines.at(-1)));
    assert.equal(retried.version, 1);
    assert.equal(retried.created, false);
    const trials = retried.lines.find((l) => l.phase === 'trials');
    assert.equal(trials?.fitted, 0, 'its share was stored by its first attempt');
    assert.equal(trials?.added, 0);
    assert.deepEqual(await trialRows('run-r'), before);
    assert.equal((await registry.listVersions({ namespace: 'shop', name: 'retried' })).length, 1);
    // Once the run succeeded, a retried pod only finds the version.
    const late = await run(s, 'run-r', 0);
    assert.equal(late.version, 1);
    assert.deepEqual(await trialRows('run-r'), before);
  });

  test('a transient failure of one pod: exit 1, and its retry fits only its share and completes the grid', async () => {
    const s = spec('transient', { parallelism: 3 });
    const others = await Promise.all([run(s, 'run-t', 0), run(s, 'run-t', 2)]);
    assert.deepEqual(
      others.map((p) => [p.exitCode, p.version]),
      [
        [0, undefined],
        [0, undefined],
      ],
    );
    const unreachable = `postgres://nobody@127.0.0.1:${await freePort()}/registry`;
    const failed = await run(s, 'run-t', 1, unreachable);
    assert.equal(failed.exitCode, 1, 'transient: Kubernetes retries this index alone');
    assert.equal((await trialRows('run-t')).length, 4);
    const retried = await run(s, 'run-t', 1);
    assert.equal(retried.exitCode, 0, JSON.stringify(retried.lines.at(-1)));
    assert.equal(retried.created, true);
    assert.equal(retried.lines.find((l) => l.phase === 'trials')?.fitted, 2, 'its own share only');
    assert.equal((await trialRows('run-t')).length, 6);
    assert.deepEqual((await loadV1('transient')).metrics, (await loadV1('one-pod')).metrics);
  });

  test('bad input in the pods: exit 2, the error kept on the run, no version', async () => {
    const s = spec('bad-column', {
      parallelism: 3,
      data: { postgres: { query: 'SELECT age FROM survey ORDER BY id' } },
    });
    const pods = await runIndexed(s, 'run-bad');
    assert.deepEqual(
      pods.map((p) => p.exitCode),
      [2, 2, 2],
    );
    const runRow = await registry.getTrainingRun({ namespace: 'shop', name: 'bad-column' }, 'run-bad');
    assert.equal(runRow?.status, 'failed');
    assert.match(runRow?.error ?? '', /^bad-input: .*income/);
    assert.deepEqual(await registry.listVersions({ namespace: 'shop', name: 'bad-column' }), []);
    assert.deepEqual(await trialRows('run-bad'), []);

    const outside = await run(spec('bad-index', { parallelism: 3 }), 'run-index', 3);
    assert.equal(outside.exitCode, 2);
    assert.match(String(outside.lines.at(-1)?.msg), /completion index 0..2 in JOB_COMPLETION_INDEX.*got 3/);
  });

  test('pods that read other rows are not gathered: exit 2 asking for a deterministic order', async () => {
    const s = spec('other-rows', { parallelism: 2 });
    const first = await run(s, 'run-order', 0);
    assert.equal(first.exitCode, 0);
    assert.equal(first.version, undefined);
    const reversed = spec('other-rows', {
      parallelism: 2,
      data: { postgres: { query: 'SELECT age, income FROM survey ORDER BY id DESC' } },
    });
    const second = await run(reversed, 'run-order', 1);
    assert.equal(second.exitCode, 2, JSON.stringify(second.lines.at(-1)));
    const runRow = await registry.getTrainingRun({ namespace: 'shop', name: 'other-rows' }, 'run-order');
    assert.match(runRow?.error ?? '', /made on other rows .* deterministic order \(ORDER BY\)/);
    assert.deepEqual(await registry.listVersions({ namespace: 'shop', name: 'other-rows' }), []);
  });
});
