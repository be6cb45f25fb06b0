import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import type { PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';
import {
  activeTrainingJobs,
  decideRetrain,
  retrainRequest,
  type RetrainInputs,
} from '../../../src/controllers/driftmonitor/retrain.ts';
import type { DriftReport } from '@persona-operator/registry';
import type { DriftMonitorSpec, RetrainSpec } from '../../../src/api/v1alpha1/driftmonitor.ts';
import { resolveMonitorSpec } from '../../../src/controllers/driftmonitor/defaults.ts';
import { SpecProblem } from '../../../src/controllers/shared/errors.ts';
import {
  readRetrainRequest,
  retrainRequestAnnotations,
  RETRAIN_REQUEST_ANNOTATION,
} from '../../../src/controllers/shared/retrain-request.ts';
import { sampleModel } from '../personamodel/sample.ts';

const now = new Date('2025-03-02T12:00:00Z');
const serving: PersonaModel = { ...sampleModel(), status: { phase: 'Serving' } };
const base: RetrainInputs = {
  now,
  driftDetected: true,
  reportId: 12,
  currentRows: 500,
  action: { retrain: { data: 'Current', minRows: 100 }, cooldown: '24h' },
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
    const off = decideRetrain({ ...base, action: { cooldown: '24h' } });
    assert.ok(!off.retrain && off.reason === 'RetrainDisabled');
    const gone = decideRetrain({ ...base, model: undefined });
    assert.ok(!gone.retrain && gone.reason === 'ModelNotFound');
  });

  test('fewer current rows than minRows: no retrain, saying how many and the setting', () => {
    const few = decideRetrain({ ...base, currentRows: 99 });
    assert.ok(!few.retrain && few.reason === 'TooFewRows');
    assert.equal(
      few.message,
      'not retraining: the current data has 99 rows, fewer than spec.action.retrain.minRows (100)',
    );
    assert.ok(decideRetrain({ ...base, currentRows: 100 }).retrain);
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
        action: { ...base.action, cooldown: '1h' },
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

describe('retrain request', () => {
  const report = (summary: Record<string, unknown>): DriftReport => ({
    id: 12,
    monitor: 'shop/customers-drift',
    model: { namespace: 'shop', name: 'customers', version: 1 },
    driftDetected: true,
    share: 1,
    columns: [],
    summary,
    createdAt: new Date('2025-03-02T12:00:05Z'),
  });
  const spec = (current: DriftMonitorSpec['current'], retrain?: RetrainSpec) =>
    resolveMonitorSpec({ modelRef: { name: 'customers' }, current, action: retrain ? { retrain } : {} });

  test("a query monitor hands over its query and Secret key, never the URL, and the report's rows", () => {
    const s = spec({ postgres: { secretRef: { name: 'customer-db' }, query: 'SELECT 1' } }, {});
    const r = retrainRequest(s, 'customers-drift', report({ currentRows: 500 }), 'drift-12');
    assert.deepEqual(r, {
      token: 'drift-12',
      monitor: 'customers-drift',
      reportId: 12,
      data: 'Current',
      current: { postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: 'SELECT 1' } },
      currentRows: 500,
    });
    // What the model's controller reads back from the annotations is the same request.
    const annotations = retrainRequestAnnotations(r);
    assert.equal(annotations['personas.dtc.dev/retrain'], 'drift-12');
    assert.deepEqual(readRetrainRequest(annotations, 'drift-12'), r);
  });

  test("a predictions monitor hands over the exact window its run read (or the report's time)", () => {
    const s = spec({ predictions: { window: '1h' } }, { data: 'ReferenceAndCurrent' });
    const exact = retrainRequest(
      s,
      'm',
      report({
        currentRows: 40,
        windowFrom: '2025-03-02T11:00:00.000Z',
        windowTo: '2025-03-02T12:00:00.000Z',
      }),
      'drift-12',
    );
    assert.equal(exact.data, 'ReferenceAndCurrent');
    assert.deepEqual(exact.current, {
      predictions: { from: '2025-03-02T11:00:00.000Z', to: '2025-03-02T12:00:00.000Z' },
    });
    const older = retrainRequest(s, 'm', report({ currentRows: 40 }), 'drift-12');
    assert.deepEqual(older.current, {
      predictions: { from: '2025-03-02T11:00:05.000Z', to: '2025-03-02T12:00:05.000Z' },
    });
  });

  test("another token's request is not this retrain's; a malformed one is a problem naming the field", () => {
    const s = spec({ postgres: { secretRef: { name: 'db' }, query: 'SELECT 1' } }, {});
    const annotations = retrainRequestAnnotations(
      retrainRequest(s, 'm', report({ currentRows: 5 }), 'drift-12'),
    );
    assert.equal(
      readRetrainRequest({ ...annotations, 'personas.dtc.dev/retrain': 'by-hand' }, 'by-hand'),
      undefined,
    );
    assert.equal(readRetrainRequest(undefined, 'drift-12'), undefined);
    const broken = { ...JSON.parse(annotations[RETRAIN_REQUEST_ANNOTATION]), data: 'Everything' };
    assert.throws(
      () => readRetrainRequest({ [RETRAIN_REQUEST_ANNOTATION]: JSON.stringify(broken) }, 'drift-12'),
      (err: unknown) => err instanceof SpecProblem && /retrain-request.*data/.test(err.message),
    );
  });
});
