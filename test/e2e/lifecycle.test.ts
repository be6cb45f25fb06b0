// The PersonaModel lifecycle end to end: the operator (as its ServiceAccount) takes a
// PersonaModel for the seed scenario's January data through a training Job (our real
// trainer), registration, promotion and a predictor rollout (our real predictor), and the
// status says so; then the further paths build on that model in order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FINALIZER } from '../../operator/src/api/v1alpha1/common.ts';
import {
  applyModel,
  condition,
  eventsOf,
  isReadyOn,
  jobsOf,
  predictOnce,
  predictorPods,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
} from './support.ts';

const MODEL = 'customers';

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
    const reasons = (await eventsOf(e, MODEL)).map((ev) => ev.reason);
    for (const r of ['TrainingStarted', 'Trained', 'Promoted', 'RolloutComplete'])
      assert.ok(reasons.includes(r), r);
  });
});
