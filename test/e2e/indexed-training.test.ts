// Training over several pods on the local control plane: the same spec and seed trained by one
// pod and by an Indexed Job of three give the same centroids and metrics, every (k, restart)
// fit stored once; then bad data makes every index exit 2, which fails the whole Job at once
// (its pod failure policy), the Trained condition names the missing column, nothing new is
// registered and the production version keeps serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SEED_COLUMNS,
  applyModel,
  describeStatus,
  isReadyOn,
  januaryQuery,
  patchModel,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
} from './support.ts';
import type { PersonaModel } from '../../operator/src/api/v1alpha1/personamodel.ts';

const ONE_POD = 'one-pod';
const SPLIT = 'three-pods';
// Every pod must read the same rows in the same order: the gather checks their hashes.
const QUERY = `${januaryQuery()} ORDER BY ${SEED_COLUMNS.join(', ')}`;

function model(name: string, namespace: string, parallelism: number): PersonaModel {
  const m = seedModel(name, namespace);
  // k 3..4 with 2 restarts each: a grid of 4 fits over 3 pods.
  m.spec.training = {
    ...m.spec.training,
    data: { postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: QUERY } },
    algorithm: 'lloyd',
    parallelism,
  };
  return m;
}

describe('training over several pods on the local control plane', () => {
  let e: E2e;

  before(async () => {
    e = await startE2e();
    e.startOperator();
  });
  after(async () => {
    await e?.stop();
  });

  test('parallelism 1 and 3 register the same centroids and metrics; no trial is stored twice', async () => {
    await applyModel(e, model(ONE_POD, e.namespace, 1));
    await applyModel(e, model(SPLIT, e.namespace, 3));
    const [one, split] = await Promise.all([
      waitForModel(e, ONE_POD, 'Ready on version 1', isReadyOn(1), 240_000),
      waitForModel(e, SPLIT, 'Ready on version 1', isReadyOn(1), 240_000),
    ]);
    const jobName = split.status!.lastTraining!.jobName;
    const job = await e.batch.readNamespacedJob({ name: jobName, namespace: e.namespace });
    assert.equal(job.spec?.completionMode, 'Indexed');
    assert.equal(job.spec?.completions, 3);
    assert.equal(job.status?.succeeded, 3, 'every index finished');
    const oneJob = await e.batch.readNamespacedJob({
      name: one.status!.lastTraining!.jobName,
      namespace: e.namespace,
    });
    assert.equal(oneJob.spec?.completionMode ?? 'NonIndexed', 'NonIndexed');

    const [a, b] = await Promise.all(
      [ONE_POD, SPLIT].map((name) => e.registry.loadArtifact({ namespace: e.namespace, name, version: 1 })),
    );
    assert.deepEqual(
      b.personas.map((p) => p.scaled),
      a.personas.map((p) => p.scaled),
      'same centroids',
    );
    assert.deepEqual(b.personas, a.personas);
    assert.deepEqual(b.metrics, a.metrics, 'same metrics, per k too');
    assert.equal(b.training.dataHash, a.training.dataHash);

    const res = await e.registry.pool.query<{ fits: string; distinct_fits: string }>(
      `SELECT count(*) AS fits, count(DISTINCT (t.k, t.restart)) AS distinct_fits
       FROM training_trials t JOIN training_runs r ON r.id = t.run_id WHERE r.run_id = $1`,
      [job.metadata!.uid!],
    );
    assert.deepEqual(res.rows[0], { fits: '4', distinct_fits: '4' }, 'the 2 x 2 grid, each fit once');
    const versions = await e.registry.listVersions({ namespace: e.namespace, name: SPLIT });
    assert.equal(versions.length, 1, 'registered once');
  });

  test('exit code 2 in the indices fails the whole run naming the column; production keeps serving', async () => {
    const ref = { namespace: e.namespace, name: SPLIT };
    const versionsBefore = await e.registry.listVersions(ref);
    const withoutIncome = `SELECT ${SEED_COLUMNS.filter((c) => c !== 'income').join(', ')} FROM survey WHERE month = '2025-01'`;
    await patchModel(e, SPLIT, {
      spec: {
        training: {
          data: { postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: withoutIncome } },
        },
      },
    });
    const failed = await waitForModel(
      e,
      SPLIT,
      'the training on the bad query failed',
      (m) =>
        m.status?.lastTraining?.result === 'Failed' &&
        m.status.lastTraining.completionTime !== undefined &&
        m.status.observedGeneration === m.metadata.generation,
      180_000,
    );
    const trained = failed.status?.conditions?.find((c) => c.type === 'Trained');
    assert.equal(trained?.status, 'False', describeStatus(failed));
    assert.equal(trained?.reason, 'DataMissingColumn', trained?.message);
    assert.match(trained?.message ?? '', /column "income" is not in the query result/);
    assert.equal(failed.status?.servingVersion, 1, 'the production version keeps serving');
    assert.equal(failed.status?.productionVersion, 1);
    assert.equal(failed.status?.phase, 'Serving');

    const job = await e.batch.readNamespacedJob({
      name: failed.status!.lastTraining!.jobName,
      namespace: e.namespace,
    });
    const jobFailed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    assert.equal(jobFailed?.reason, 'PodFailurePolicy', JSON.stringify(job.status));
    assert.equal(job.status?.succeeded ?? 0, 0);
    assert.deepEqual(await e.registry.listVersions(ref), versionsBefore, 'nothing half-registered');
  });
});
