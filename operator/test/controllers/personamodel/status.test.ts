// nextStatus as a table: the stored status and one reconcile's observations in, the status to
// write out (fields, phase, and each condition's status and reason).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersonaModelStatus } from '../../../src/api/v1alpha1/personamodel.ts';
import { nextStatus, type Observations } from '../../../src/controllers/personamodel/status.ts';
import type { Condition } from '../../../src/runtime/conditions.ts';

const earlier = new Date('2025-01-01T00:00:00Z');
const now = new Date('2025-01-01T01:00:00Z');

const running = {
  jobName: 'm-train-1',
  inputsHash: 'h',
  result: 'Running' as const,
  startTime: '2025-01-01T00:00:00Z',
};
const trained = (version: number) => ({
  ...running,
  result: 'Succeeded' as const,
  version,
  message: `version ${version} registered by Job m-train-1`,
});
const promoted = (version: number) => ({ version, decision: 'Promoted' as const, reason: 'good enough' });
const complete = (message = '2 pod(s) ready') => ({ state: 'Complete' as const, message });

function cond(type: string, status: Condition['status'], reason: string, at = earlier): Condition {
  return { type, status, reason, message: '', lastTransitionTime: at.toISOString(), observedGeneration: 1 };
}

/** A model serving version 2, as a previous reconcile left it. */
const serving2: PersonaModelStatus = {
  latestVersion: 2,
  productionVersion: 2,
  servingVersion: 2,
  endpoint: 'http://m-predictor.ns.svc:80',
  lastTraining: trained(2),
  lastPromotion: promoted(2),
  rollout: { targetVersion: 2, startTime: '2025-01-01T00:00:00Z', message: '2 pod(s) ready' },
  conditions: [
    cond('Trained', 'True', 'Trained'),
    cond('Promoted', 'True', 'Promoted'),
    cond('Ready', 'True', 'Serving'),
    cond('Degraded', 'False', 'AsExpected'),
  ],
};

interface Row {
  name: string;
  previous?: PersonaModelStatus;
  observed: Observations;
  phase: PersonaModelStatus['phase'];
  /** type -> [status, reason] */
  conditions: Record<string, [Condition['status'], string]>;
  fields?: Partial<PersonaModelStatus>;
}

const rows: Row[] = [
  {
    name: 'a new model whose first training Job started',
    observed: { training: { lastTraining: running }, rollout: {}, latest: {} },
    phase: 'Training',
    conditions: {
      Trained: ['False', 'Training'],
      Promoted: ['False', 'NoCandidate'],
      Ready: ['False', 'NothingToServe'],
      Degraded: ['False', 'AsExpected'],
    },
    fields: { lastTraining: running, latestVersion: undefined },
  },
  {
    name: 'the retrain token acted upon is remembered',
    observed: { training: { lastTraining: running, retrainToken: 'again' } },
    phase: 'Training',
    conditions: { Trained: ['False', 'Training'] },
    fields: { retrainToken: 'again' },
  },
  {
    name: 'training failed and nothing serves',
    observed: {
      training: {
        lastTraining: {
          ...running,
          result: 'Failed',
          message: 'Job m-train-1 failed (BackoffLimitExceeded)',
        },
      },
      rollout: {},
    },
    phase: 'Failed',
    conditions: { Trained: ['False', 'TrainingFailed'], Ready: ['False', 'NothingToServe'] },
  },
  {
    name: 'trained, promoted and rolled out',
    observed: {
      training: { lastTraining: trained(2) },
      promotion: { lastPromotion: promoted(2), productionVersion: 2 },
      rollout: {
        productionVersion: 2,
        record: { targetVersion: 2, startTime: '2025-01-01T00:00:00Z', message: '2 pod(s) ready' },
        state: complete(),
        targetVersion: 2,
        servingVersion: 2,
        endpoint: 'http://m-predictor.ns.svc:80',
      },
      latest: { version: 2 },
    },
    phase: 'Serving',
    conditions: {
      Trained: ['True', 'Trained'],
      Promoted: ['True', 'Promoted'],
      Ready: ['True', 'Serving'],
      Degraded: ['False', 'AsExpected'],
    },
    fields: {
      servingVersion: 2,
      productionVersion: 2,
      latestVersion: 2,
      endpoint: 'http://m-predictor.ns.svc:80',
    },
  },
  {
    name: 'a refused version while the old one keeps serving',
    previous: serving2,
    observed: {
      training: { lastTraining: trained(3) },
      promotion: {
        lastPromotion: { version: 3, decision: 'Refused', reason: 'silhouette 0.1 is below 0.25' },
      },
      rollout: {
        productionVersion: 2,
        record: serving2.rollout,
        state: complete(),
        targetVersion: 2,
        servingVersion: 2,
      },
      latest: { version: 3 },
    },
    phase: 'Serving',
    conditions: {
      Promoted: ['False', 'Refused'],
      Ready: ['True', 'Serving'],
      Degraded: ['False', 'AsExpected'],
    },
    fields: { latestVersion: 3, productionVersion: 2, servingVersion: 2 },
  },
  {
    name: 'a new version rolling out while the old one serves',
    previous: serving2,
    observed: {
      rollout: {
        productionVersion: 3,
        record: { targetVersion: 3, startTime: now.toISOString(), message: '1/2 pod(s) updated' },
        state: { state: 'Progressing', message: '1/2 pod(s) updated' },
        targetVersion: 3,
      },
    },
    phase: 'Serving',
    conditions: { Ready: ['False', 'RollingOut'], Degraded: ['False', 'AsExpected'] },
    fields: { servingVersion: 2, productionVersion: 3 },
  },
  {
    name: 'a rollback: the last good version serves, Degraded says why',
    previous: serving2,
    observed: {
      rollout: {
        productionVersion: 2,
        record: {
          targetVersion: 2,
          startTime: now.toISOString(),
          failedVersion: 3,
          message: 'version 3 did not become ready within 300s',
        },
        state: complete(),
        targetVersion: 2,
        servingVersion: 2,
      },
    },
    phase: 'Degraded',
    conditions: { Ready: ['True', 'Serving'], Degraded: ['True', 'RolledBack'] },
  },
  {
    name: 'a remembered rollback with nothing to serve',
    observed: {
      rollout: {
        record: {
          failedVersion: 1,
          message: 'version 1 did not become ready within 300s; no earlier version to roll back to',
        },
        state: { state: 'Stalled', message: 'pods of version 1 did not become ready' },
      },
    },
    phase: 'Degraded',
    conditions: { Ready: ['False', 'RolloutStalled'], Degraded: ['True', 'RolledBack'] },
  },
  {
    name: 'a stalled first rollout',
    observed: {
      rollout: {
        productionVersion: 1,
        record: { targetVersion: 1, startTime: earlier.toISOString() },
        state: { state: 'Stalled', message: 'pods of version 1 did not become ready' },
        targetVersion: 1,
      },
    },
    phase: 'Degraded',
    conditions: { Ready: ['False', 'RolloutStalled'], Degraded: ['True', 'RolloutStalled'] },
  },
  {
    name: 'a pin promotes the pinned version and the rollout clears a forgotten failure',
    previous: { ...serving2, rollout: { ...serving2.rollout, failedVersion: 3 } },
    observed: {
      rollout: {
        productionVersion: 1,
        record: { targetVersion: 1, startTime: now.toISOString(), message: '2 pod(s) ready' },
        state: complete(),
        targetVersion: 1,
        servingVersion: 1,
        pinPromotion: { version: 1, decision: 'Promoted', reason: 'spec.serving.version pins version 1' },
      },
    },
    phase: 'Serving',
    conditions: {
      Promoted: ['True', 'Promoted'],
      Ready: ['True', 'Serving'],
      Degraded: ['False', 'AsExpected'],
    },
    fields: {
      productionVersion: 1,
      servingVersion: 1,
      lastPromotion: { version: 1, decision: 'Promoted', reason: 'spec.serving.version pins version 1' },
      rollout: { targetVersion: 1, startTime: now.toISOString(), message: '2 pod(s) ready' },
    },
  },
  {
    name: 'an invalid spec fails the model and says why',
    observed: { problem: { reason: 'InvalidSpec', message: 'spec.training.k: min > max', permanent: true } },
    phase: 'Failed',
    conditions: {
      Trained: ['False', 'NotTrained'],
      Ready: ['False', 'NothingToServe'],
      Degraded: ['True', 'InvalidSpec'],
    },
  },
  {
    name: 'a registry outage while serving: pods keep serving, Degraded carries the outage',
    previous: serving2,
    observed: {
      problem: {
        reason: 'RegistryUnavailable',
        message: 'the model registry is unreachable',
        permanent: false,
      },
    },
    phase: 'Degraded',
    conditions: {
      Trained: ['True', 'Trained'],
      Ready: ['True', 'Serving'],
      Degraded: ['True', 'RegistryUnavailable'],
    },
    fields: { servingVersion: 2, productionVersion: 2 },
  },
  {
    name: 'a registry outage after training started: the started Job is kept',
    observed: {
      training: { lastTraining: running },
      problem: {
        reason: 'RegistryUnavailable',
        message: 'the model registry is unreachable',
        permanent: false,
      },
    },
    phase: 'Degraded',
    conditions: {
      Trained: ['False', 'Training'],
      Ready: ['False', 'NothingToServe'],
      Degraded: ['True', 'RegistryUnavailable'],
    },
    fields: { lastTraining: running },
  },
  {
    name: 'a registry that lost every version clears latestVersion and production',
    previous: { latestVersion: 4, productionVersion: 4 },
    observed: { rollout: {}, latest: {} },
    phase: 'Pending',
    conditions: { Ready: ['False', 'NothingToServe'] },
    fields: { latestVersion: undefined, productionVersion: undefined, rollout: undefined },
  },
];

describe('nextStatus', () => {
  for (const row of rows) {
    test(row.name, () => {
      const status = nextStatus(row.previous, row.observed, 7, now);
      assert.equal(status.phase, row.phase);
      assert.equal(status.observedGeneration, 7);
      for (const [type, [want, reason]] of Object.entries(row.conditions)) {
        const c = status.conditions?.find((x) => x.type === type);
        assert.deepEqual([c?.status, c?.reason], [want, reason], type);
        assert.equal(c?.observedGeneration, 7, `${type} observedGeneration`);
      }
      assert.deepEqual(
        status.conditions?.map((c) => c.type),
        ['Trained', 'Promoted', 'Ready', 'Degraded'],
      );
      for (const [field, value] of Object.entries(row.fields ?? {})) {
        assert.deepEqual(status[field as keyof PersonaModelStatus], value, field);
      }
    });
  }

  test('lastTransitionTime moves only when a condition changes status', () => {
    const status = nextStatus(
      serving2,
      {
        training: { lastTraining: running },
        rollout: {
          productionVersion: 2,
          record: serving2.rollout,
          state: complete('2 ready'),
          targetVersion: 2,
          servingVersion: 2,
        },
        problem: { reason: 'RegistryUnavailable', message: 'x', permanent: false },
      },
      2,
      now,
    );
    const at = (type: string) => status.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    assert.equal(at('Trained'), now.toISOString(), 'True -> False moves');
    assert.equal(at('Degraded'), now.toISOString(), 'False -> True moves');
    assert.equal(at('Ready'), earlier.toISOString(), 'True stays True: message changed, time kept');
    assert.equal(at('Promoted'), earlier.toISOString());
  });

  test('the stored status is not modified', () => {
    const previous = structuredClone(serving2);
    nextStatus(previous, { training: { lastTraining: running }, rollout: {}, latest: {} }, 2, now);
    assert.deepEqual(previous, serving2);
  });
});
