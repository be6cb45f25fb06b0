// Which data a training Job reads: the model's own, the monitor's current data, or the
// production version's recorded parts plus the current data; each query's URL from its own
// Secret key, never a value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1EnvVar } from '@kubernetes/client-node';
import { parseTrainingJobSpecJson } from '@persona-operator/jobs/training-spec';
import type { ModelVersion } from '@persona-operator/registry';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import { resolveSpec } from '../../../src/controllers/personamodel/defaults.ts';
import { buildTrainingJob } from '../../../src/controllers/personamodel/objects/job.ts';
import {
  planTrainingData,
  type TrainingDataInputs,
} from '../../../src/controllers/personamodel/training-data.ts';
import { classifyTrainingFailure } from '../../../src/controllers/personamodel/training-failure.ts';
import type { RetrainRequest } from '../../../src/controllers/shared/retrain-request.ts';
import { sampleModel } from './sample.ts';

const model = sampleModel();
const spec = resolveSpec(model.spec);
const march = "SELECT age, channel FROM survey WHERE month = '2025-03'";
const request = (data: RetrainRequest['data'], current?: RetrainRequest['current']): RetrainRequest => ({
  token: 'drift-9',
  monitor: 'customers-drift',
  reportId: 9,
  data,
  current: current ?? { postgres: { secretRef: { name: 'events-db', key: 'url' }, query: march } },
  currentRows: 500,
});
const base: TrainingDataInputs = { spec, namespace: 'shop', reason: 'RetrainRequested', token: 'drift-9' };

function jobOf(inputs: TrainingDataInputs) {
  const job = buildTrainingJob(model, spec, DEFAULT_CONFIG, {
    jobName: 'j',
    inputsHash: 'h',
    trigger: inputs.reason,
    data: planTrainingData(inputs),
  });
  const env = job.spec!.template.spec!.containers[0].env!;
  const byName = Object.fromEntries(env.map((e: V1EnvVar) => [e.name, e]));
  return { spec: parseTrainingJobSpecJson(byName.PERSONA_TRAINING_SPEC.value!, 'env'), env: byName };
}

describe('training data of a Job', () => {
  test('the trigger: spec, schedule, a manual annotation, or the drift report of a request', () => {
    const kind = (i: Partial<TrainingDataInputs>) => planTrainingData({ ...base, ...i }).trigger;
    assert.deepEqual(kind({ reason: 'InputsChanged', token: '' }), { kind: 'spec', detail: 'InputsChanged' });
    assert.deepEqual(kind({ reason: 'ScheduleDue', token: 'schedule@x' }), {
      kind: 'schedule',
      detail: 'schedule@x',
    });
    assert.deepEqual(kind({ token: 'by-hand' }), { kind: 'manual', detail: 'by-hand' });
    assert.deepEqual(kind({ request: request('Current') }), {
      kind: 'drift',
      driftReportId: 9,
      monitor: 'shop/customers-drift',
    });
  });

  test("Model data is the model's own query, as a Job without a request reads it", () => {
    const withRequest = jobOf({ ...base, request: request('Model') });
    const manual = jobOf({ ...base, token: 'by-hand' });
    assert.deepEqual(withRequest.spec.data, manual.spec.data);
    assert.equal(withRequest.spec.dataChoice, 'Model');
    assert.deepEqual(withRequest.env.PERSONA_DATA_URL.valueFrom, {
      secretKeyRef: { name: 'customer-db', key: 'url' },
    });
  });

  test("Current data is the monitor's query, its URL from the monitor's Secret key", () => {
    const { spec: s, env } = jobOf({ ...base, request: request('Current') });
    assert.equal(s.dataChoice, 'Current');
    assert.deepEqual(s.data, {
      parts: [
        {
          role: 'current',
          source: {
            postgres: {
              query: march,
              urlEnv: 'PERSONA_DATA_URL',
              rowLimit: 5_000_000,
              secretRef: { name: 'events-db', key: 'url' },
            },
          },
        },
      ],
    });
    assert.deepEqual(env.PERSONA_DATA_URL.valueFrom, { secretKeyRef: { name: 'events-db', key: 'url' } });
    assert.ok(!JSON.stringify(env).includes('postgres://'), 'no URL value in the Job');
  });

  test('Current data of a predictions monitor is the exact window its run read', () => {
    const window = { from: '2025-03-02T11:00:00.000Z', to: '2025-03-02T12:00:00.000Z' };
    const { spec: s, env } = jobOf({ ...base, request: request('Current', { predictions: window }) });
    assert.deepEqual(s.data, { parts: [{ role: 'current', source: { predictions: window } }] });
    assert.equal(env.PERSONA_DATA_URL, undefined, 'no data database to reach');
  });

  test("ReferenceAndCurrent: the production version's recorded parts, then the current data", () => {
    const january = "SELECT age, channel FROM survey WHERE month = '2025-01'";
    const production = {
      version: 1,
      lineage: {
        data: {
          choice: 'Model',
          parts: [
            {
              role: 'model',
              origin: { postgres: { query: january, secretRef: { name: 'customer-db', key: 'url' } } },
              rows: 500,
              dataHash: 'a'.repeat(64),
            },
          ],
        },
      },
    } as ModelVersion;
    const { spec: s, env } = jobOf({ ...base, request: request('ReferenceAndCurrent'), production });
    assert.ok('parts' in s.data);
    assert.deepEqual(
      s.data.parts.map((p) => [
        p.role,
        'postgres' in p.source ? p.source.postgres.query : '',
        'postgres' in p.source ? p.source.postgres.urlEnv : '',
      ]),
      [
        ['reference', january, 'PERSONA_DATA_URL_0'],
        ['current', march, 'PERSONA_DATA_URL_1'],
      ],
    );
    assert.deepEqual(env.PERSONA_DATA_URL_0.valueFrom, { secretKeyRef: { name: 'customer-db', key: 'url' } });
    assert.deepEqual(env.PERSONA_DATA_URL_1.valueFrom, { secretKeyRef: { name: 'events-db', key: 'url' } });
    // Without a production version (or its lineage) the reference is the model's own data.
    const none = planTrainingData({ ...base, request: request('ReferenceAndCurrent') });
    assert.deepEqual(
      none.parts.map((p) => p.role),
      ['reference', 'current'],
    );
    assert.deepEqual(none.parts[0].urlSecret, { name: 'customer-db', key: 'url' });
  });

  test("a failed trainer's error gives the Trained reason naming the column or the window", () => {
    assert.equal(
      classifyTrainingFailure(
        'data.parts[0] (current data): column "income" is not in the query result (it has: age)',
      ),
      'DataMissingColumn',
    );
    assert.equal(
      classifyTrainingFailure(
        'data.parts[0] (current data): data.predictions (the logged predictions from a to b): the window is empty: no predictions of shop/c were logged in it',
      ),
      'DataWindowEmpty',
    );
    assert.equal(classifyTrainingFailure('the query returned no rows'), 'DataEmpty');
    assert.equal(classifyTrainingFailure('out of memory'), 'TrainingFailed');
  });
});
