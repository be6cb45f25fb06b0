import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import type { PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';
import {
  activeTrainingJobs,
  decideRetrain,
  type RetrainInputs,
} from '../../../src/controllers/driftmonitor/retrain.ts';
import { sampleModel } from '../personamodel/sample.ts';

const now = new Date('2025-03-02T12:00:00Z');
const serving: PersonaModel = { ...sampleModel(), status: { phase: 'Serving' } };
const base: RetrainInputs = {
  now,
  driftDetected: true,
  reportId: 12,
  action: { retrain: true, cooldown: '24h' },
  model: serving,
  activeTrainingJobs: [],
};

describe('retrain decision', () => {
  test('drift with retrain on and no cooldown pending retrains with a token naming the report', () => {
    const d = decideRetrain(base);
    assert.ok(d.retrain);
    assert.equal(d.token, 'drift-12');
  });

  test('no drift, retrain off or a missing model: no retrain', () => {
    assert.equal(decideRetrain({ ...base, driftDetected: false }).retrain, false);
    const off = decideRetrain({ ...base, action: { retrain: false, cooldown: '24h' } });
    assert.ok(!off.retrain && off.reason === 'RetrainDisabled');
    const gone = decideRetrain({ ...base, model: undefined });
    assert.ok(!gone.retrain && gone.reason === 'ModelNotFound');
  });

  test('not while the model trains (phase, running status or an active Job)', () => {
    const phase = decideRetrain({ ...base, model: { ...serving, status: { phase: 'Training' } } });
    assert.ok(!phase.retrain && phase.reason === 'ModelTraining');
    const job = decideRetrain({ ...base, activeTrainingJobs: ['customers-train-abc'] });
    assert.ok(!job.retrain && job.reason === 'ModelTraining');
    assert.match(job.message, /customers-train-abc/);
  });

  test('the cooldown counts from the last trigger', () => {
    const recent = decideRetrain({ ...base, lastRetrainTriggered: '2025-03-02T00:00:00Z' });
    assert.ok(!recent.retrain && recent.reason === 'Cooldown');
    assert.match(recent.message, /cooldown until 2025-03-03T00:00:00.000Z/);
    assert.ok(decideRetrain({ ...base, lastRetrainTriggered: '2025-03-01T11:59:59Z' }).retrain);
    assert.ok(
      decideRetrain({
        ...base,
        action: { retrain: true, cooldown: '1h' },
        lastRetrainTriggered: '2025-03-02T10:00:00Z',
      }).retrain,
    );
  });

  test('a report that already set the annotation does not trigger twice', () => {
    const model = {
      ...serving,
      metadata: { ...serving.metadata, annotations: { 'personas.dtc.dev/retrain': 'drift-12' } },
    };
    const d = decideRetrain({ ...base, model });
    assert.ok(!d.retrain && d.reason === 'AlreadyRequested');
  });

  test('active training Jobs: unfinished ones of this model only', () => {
    const job = (name: string, labels: Record<string, string>, done?: string): V1Job => ({
      metadata: { name, namespace: 'shop', labels },
      status: done ? { conditions: [{ type: done, status: 'True' }] } : {},
    });
    const training = { 'personas.dtc.dev/model': 'customers', 'app.kubernetes.io/component': 'training' };
    const jobs = [
      job('a', training),
      job('b', training, 'Complete'),
      job('c', training, 'Failed'),
      job('d', { ...training, 'app.kubernetes.io/component': 'drift' }),
      job('e', { ...training, 'personas.dtc.dev/model': 'other' }),
    ];
    assert.deepEqual(activeTrainingJobs(jobs, 'shop', 'customers'), ['a']);
  });
});
