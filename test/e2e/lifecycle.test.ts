// The PersonaModel lifecycle end to end: the operator (as its ServiceAccount) takes a
// PersonaModel for the seed scenario's January data through a training Job (our real
// trainer), registration, promotion and a predictor rollout (our real predictor), and the
// status says so; then the further paths build on that model in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { FINALIZER } from '../../operator/src/api/v1alpha1/common.ts';
import { waitFor } from '../cluster/wait.ts';
import {
  applyModel,
  getModel,
  januaryQuery,
  patchModel,
  podReady,
  condition,
  eventsOf,
  hasReasons,
  isReadyOn,
  jobsOf,
  predictOnce,
  predictorPods,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
  type EventSeen,
} from './support.ts';

const MODEL = 'customers';

/**
 * Watches the model's predictor pods and remembers the fewest Ready pods seen at any moment
 * after the first one became ready (a watch sees every change, polling could miss a gap).
 */
async function watchReadyPods(e: E2e, model: string) {
  const ready = new Map<string, boolean>();
  let min = Number.POSITIVE_INFINITY;
  let seenReady = false;
  const handle = await new Watch(e.cluster.kubeConfig).watch(
    `/api/v1/namespaces/${e.namespace}/pods`,
    { labelSelector: `personas.dtc.dev/model=${model},app.kubernetes.io/component=predictor` },
    (phase, pod: V1Pod) => {
      const name = pod.metadata!.name!;
      if (phase === 'DELETED') ready.delete(name);
      else ready.set(name, podReady(pod));
      const n = [...ready.values()].filter(Boolean).length;
      if (n > 0) seenReady = true;
      if (seenReady) min = Math.min(min, n);
    },
    () => undefined,
  );
  // Never having seen a ready pod counts as zero, so a dead watch cannot pass the check.
  return { minReady: () => (seenReady ? min : 0), stop: () => handle.abort() };
}

describe('PersonaModel lifecycle on the local control plane', () => {
  let e: E2e;

  before(async () => {
    e = await startE2e();
    e.startOperator();
  });
  after(async () => {
    await e?.stop();
  });

  test('apply -> Job trains -> version registered and promoted -> predictor ready -> prediction', async () => {
    await applyModel(e, seedModel(MODEL, e.namespace));
    const ready = await waitForModel(e, MODEL, 'Ready on version 1', isReadyOn(1), 180_000);

    const s = ready.status!;
    assert.equal(s.latestVersion, 1);
    assert.equal(s.productionVersion, 1);
    assert.equal(s.endpoint, `http://${MODEL}-predictor.${e.namespace}.svc:80`);
    assert.equal(s.lastTraining?.result, 'Succeeded');
    assert.equal(s.lastTraining?.trigger, 'NoVersion');
    assert.ok(s.lastTraining?.metrics?.k === 3 || s.lastTraining?.metrics?.k === 4, 'k from the range');
    assert.equal(s.lastPromotion?.decision, 'Promoted');
    for (const type of ['Trained', 'Promoted', 'Ready'])
      assert.equal(condition(ready, type)?.status, 'True', type);
    assert.equal(condition(ready, 'Degraded')?.status, 'False');
    assert.ok(ready.metadata.finalizers?.includes(FINALIZER), 'archive finalizer added');

    // One Job, owned by the model, that ran the trainer.
    const jobs = await jobsOf(e, MODEL);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0], s.lastTraining?.jobName);

    // The registry recorded the promotion by the operator with the gate's reason.
    const events = await e.registry.listAliasEvents({ namespace: e.namespace, name: MODEL });
    assert.equal(events.length, 1);
    assert.equal(events[0].action, 'promote');
    assert.equal(events[0].toVersion, 1);
    assert.equal(events[0].actor, 'persona-operator');
    assert.match(events[0].reason, /silhouette .* >= minSilhouette/);

    // The predictor pod answers over HTTP with a persona name.
    const pods = await predictorPods(e, MODEL);
    assert.equal(pods.length, 1);
    const answer = await predictOnce(e, MODEL);
    assert.equal(answer.version, '1');
    assert.equal(typeof answer.prediction.persona, 'string');
    assert.ok(answer.prediction.persona.length > 0);

    // `kubectl describe` material: Events on the PersonaModel.
    const expected = ['TrainingStarted', 'Trained', 'Promoted', 'RolloutComplete'];
    const reasons = (await eventsOf(e, MODEL, 'PersonaModel', hasReasons(...expected))).map(
      (ev) => ev.reason,
    );
    for (const r of expected) assert.ok(reasons.includes(r), r);
  });

  test('a change of training inputs trains again and rolls out with a ready pod at every moment', async () => {
    const pods = await watchReadyPods(e, MODEL);
    try {
      // Same rows, same seed: the new version scores as well as production and is promoted.
      await patchModel(e, MODEL, {
        spec: { training: { data: { postgres: { query: `${januaryQuery()} AND income >= 0` } } } },
      });
      const m = await waitForModel(e, MODEL, 'Ready on version 2', isReadyOn(2), 180_000);
      assert.equal(m.status?.lastTraining?.trigger, 'InputsChanged');
      assert.equal(m.status?.productionVersion, 2);
      assert.equal((await jobsOf(e, MODEL)).length, 2);
      // Old pods leave only once new ones are ready (maxUnavailable 0).
      await waitFor('old predictor pods to go', async () => (await predictorPods(e, MODEL)).length === 1, {
        timeoutMs: 60_000,
        diagnostics: e.diagnostics,
      });
      assert.equal((await predictOnce(e, MODEL)).version, '2');
      assert.ok(pods.minReady() >= 1, `a moment with ${pods.minReady()} ready predictor pods`);
    } finally {
      pods.stop();
    }
  });

  test('a worse model is refused: reason in status, Events and the registry; serving stays', async () => {
    await patchModel(e, MODEL, { spec: { training: { seed: 2 }, promotion: { minSilhouette: 0.99 } } });
    const m = await waitForModel(
      e,
      MODEL,
      'version 3 refused',
      (x) => x.status?.lastPromotion?.version === 3 && x.status.observedGeneration === x.metadata.generation,
    );
    const reason = m.status!.lastPromotion!.reason;
    assert.equal(m.status?.lastPromotion?.decision, 'Refused');
    assert.match(reason, /version 3 silhouette [0-9.]+ is below minSilhouette 0\.99/);
    assert.equal(condition(m, 'Promoted')?.status, 'False');
    assert.equal(condition(m, 'Promoted')?.reason, 'Refused');
    assert.equal(condition(m, 'Promoted')?.message, reason);
    assert.equal(m.status?.servingVersion, 2);
    assert.equal(m.status?.productionVersion, 2);
    assert.equal(m.status?.latestVersion, 3);
    assert.equal(m.status?.phase, 'Serving');
    const ev = (await eventsOf(e, MODEL, 'PersonaModel', hasReasons('PromotionRefused'))).find(
      (x) => x.reason === 'PromotionRefused',
    );
    assert.equal(ev?.type, 'Warning');
    assert.equal(ev?.message, reason);
    const refusals = (await e.registry.listAliasEvents({ namespace: e.namespace, name: MODEL })).filter(
      (x) => x.action === 'refuse',
    );
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0].toVersion, 3);
    assert.equal(refusals[0].reason, reason);
    assert.equal(refusals[0].actor, 'persona-operator');
    assert.equal((await predictOnce(e, MODEL)).version, '2');
  });

  test('spec.serving.version set to an older version rolls back (and the registry says so)', async () => {
    await patchModel(e, MODEL, { spec: { serving: { version: 1 } } });
    const m = await waitForModel(e, MODEL, 'Ready on pinned version 1', isReadyOn(1), 120_000);
    assert.equal(m.status?.productionVersion, 1);
    assert.equal((await predictOnce(e, MODEL)).version, '1');
    const [latest] = await e.registry.listAliasEvents(
      { namespace: e.namespace, name: MODEL },
      { alias: 'production' },
    );
    assert.equal(latest.action, 'rollback');
    assert.equal(latest.fromVersion, 2);
    assert.equal(latest.toVersion, 1);
    assert.match(latest.reason, /spec\.serving\.version pins version 1/);
  });

  test('a version whose predictor cannot load is rolled back to the last good one; Degraded says why', async () => {
    // A version whose stored artifact is broken: `persona serve` exits non-zero on it.
    const ref = { namespace: e.namespace, name: MODEL };
    const artifact = await e.registry.loadArtifact({ ...ref, version: 2 });
    const { version } = await e.registry.registerVersion({ model: ref, runId: 'e2e-corrupt', artifact });
    await e.registry.pool.query(
      `UPDATE model_artifacts a SET document = a.document - 'features' FROM models m
       WHERE m.id = a.model_id AND m.namespace = $1 AND m.name = $2 AND a.version = $3`,
      [ref.namespace, ref.name, version.version],
    );
    const pods = await watchReadyPods(e, MODEL);
    try {
      await patchModel(e, MODEL, { spec: { serving: { version: version.version } } });
      const m = await waitForModel(
        e,
        MODEL,
        `version ${version.version} rolled back`,
        (x) => x.status?.rollout?.failedVersion === version.version && x.status.phase === 'Degraded',
        120_000,
      );
      assert.equal(m.status?.servingVersion, 1);
      assert.equal(condition(m, 'Degraded')?.status, 'True');
      assert.equal(condition(m, 'Degraded')?.reason, 'RolledBack');
      assert.match(
        condition(m, 'Degraded')!.message,
        new RegExp(`version ${version.version} did not become ready within 20s.*rolled back to version 1`),
      );
      assert.equal(condition(m, 'Ready')?.status, 'True');
      const rolledBack = (x: EventSeen) => x.reason === 'RolledBack' && x.type === 'Warning';
      assert.ok((await eventsOf(e, MODEL, 'PersonaModel', (evs) => evs.some(rolledBack))).some(rolledBack));
      // The broken pods go away; the good one served all along.
      await waitFor(
        'only version 1 pods left',
        async () =>
          (await predictorPods(e, MODEL)).every(
            (p) => p.metadata?.labels?.['personas.dtc.dev/version'] === '1',
          ),
        { timeoutMs: 60_000, diagnostics: e.diagnostics },
      );
      assert.equal((await predictOnce(e, MODEL)).version, '1');
      assert.ok(pods.minReady() >= 1, 'the last good pod kept serving');
      // The production alias never moved to the broken version.
      assert.equal((await e.registry.productionVersion(ref))?.version, 1);
      // It is not retried in a loop: still Degraded a little later, with no new pods.
      await new Promise((r) => setTimeout(r, 3000));
      const later = await getModel(e, MODEL);
      assert.equal(later.status?.phase, 'Degraded');
      assert.ok(
        (await predictorPods(e, MODEL)).every(
          (p) => p.metadata?.labels?.['personas.dtc.dev/version'] === '1',
        ),
      );
    } finally {
      pods.stop();
    }
  });

  test('Manual policy waits for spec.serving.version, then serves it', async () => {
    const name = 'manual';
    const model = seedModel(name, e.namespace);
    model.spec.promotion = { policy: 'Manual' };
    await applyModel(e, model);
    const waiting = await waitForModel(
      e,
      name,
      'version 1 awaiting manual promotion',
      (x) => x.status?.lastPromotion?.decision === 'AwaitingManual',
    );
    assert.equal(condition(waiting, 'Promoted')?.reason, 'AwaitingManual');
    assert.match(waiting.status!.lastPromotion!.reason, /set spec\.serving\.version to 1/);
    assert.equal(waiting.status?.servingVersion, undefined);
    assert.equal(waiting.status?.productionVersion, undefined);
    assert.equal((await predictorPods(e, name)).length, 0, 'nothing served before the pin');

    await patchModel(e, name, { spec: { serving: { version: 1 } } });
    const m = await waitForModel(e, name, 'Ready on version 1', isReadyOn(1));
    assert.equal(m.status?.productionVersion, 1);
    assert.equal(condition(m, 'Promoted')?.status, 'True');
    const [promotion] = await e.registry.listAliasEvents({ namespace: e.namespace, name });
    assert.equal(promotion.action, 'promote');
    assert.equal(promotion.actor, 'persona-operator');
    assert.equal((await predictOnce(e, name)).version, '1');
  });

  test('deleting a PersonaModel archives it in the registry and garbage-collects its objects', async () => {
    const name = 'manual';
    await e.custom.deleteNamespacedCustomObject({
      group: 'personas.dtc.dev',
      version: 'v1alpha1',
      namespace: e.namespace,
      plural: 'personamodels',
      name,
    });
    await waitFor(
      'the PersonaModel to go',
      async () => {
        try {
          await getModel(e, name);
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      },
      { timeoutMs: 60_000, diagnostics: e.diagnostics },
    );
    const record = await e.registry.getModel({ namespace: e.namespace, name });
    assert.ok(record?.archivedAt instanceof Date, 'archived in the registry');
    await waitFor(
      'its Deployment, pods and Job to be collected',
      async () =>
        (await predictorPods(e, name)).length === 0 &&
        (await jobsOf(e, name)).length === 0 &&
        (
          await e.apps.listNamespacedDeployment({
            namespace: e.namespace,
            labelSelector: `personas.dtc.dev/model=${name}`,
          })
        ).items.length === 0,
      { timeoutMs: 90_000, diagnostics: e.diagnostics },
    );
  });

  test('the operator did all of it as its ServiceAccount, with no request refused by RBAC', async () => {
    const [op] = e.operators;
    assert.equal(op.child.exitCode, null, 'still running');
    const out = op.output();
    assert.match(out, /"msg":"controllers started"/);
    assert.doesNotMatch(out, /HTTP 403|forbidden/i);
    const metrics = await op.metrics();
    assert.match(metrics, /^persona_operator_leader 1$/m);
    assert.match(
      metrics,
      /^controller_runtime_reconcile_total\{controller="personamodel",result="success"\} [1-9]/m,
    );
    // Each training Job it saw finish, timed from the Job's own status.
    assert.match(
      metrics,
      /^persona_operator_job_duration_seconds_count\{job="training",result="succeeded"\} [1-9]/m,
    );
    const sum =
      /^persona_operator_job_duration_seconds_sum\{job="training",result="succeeded"\} (\S+)$/m.exec(metrics);
    assert.ok(sum && Number(sum[1]) > 0, `training took time: ${sum?.[1]}`);
  });
});
