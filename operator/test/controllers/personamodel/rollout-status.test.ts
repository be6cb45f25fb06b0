import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutState, servingTarget } from '../../../src/controllers/personamodel/rollout.ts';
import { deriveConditions, derivePhase } from '../../../src/controllers/personamodel/status.ts';
import { getCondition } from '../../../src/runtime/conditions.ts';

function deployment(version: number, status: V1Deployment['status'], generation = 2): V1Deployment {
  return {
    metadata: { generation },
    spec: {
      replicas: 2,
      selector: {},
      template: { metadata: { labels: { 'personas.dtc.dev/version': String(version) } } },
    },
    status: { observedGeneration: generation, ...status },
  };
}

describe('serving target', () => {
  test('a pin wins over production', () => {
    assert.equal(servingTarget({ pinned: 3, production: 5 }).version, 3);
    assert.equal(servingTarget({ production: 5 }).version, 5);
    assert.equal(servingTarget({}).version, undefined);
  });

  test('a version that failed stays rolled back to the last good one', () => {
    const t = servingTarget({ production: 5, failedVersion: 5, serving: 4 });
    assert.equal(t.version, 4);
    assert.match(t.reason, /did not become ready; staying on version 4/);
  });
});

describe('rollout state', () => {
  test('complete when every pod is updated and available and no old pod is left', () => {
    const s = rolloutState(deployment(2, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 2);
    assert.equal(s.state, 'Complete');
  });

  test('progressing while old pods remain', () => {
    const s = rolloutState(deployment(2, { replicas: 3, updatedReplicas: 1, availableReplicas: 2 }), 2);
    assert.equal(s.state, 'Progressing');
    assert.match(s.message, /1\/2 pod\(s\) updated to version 2, 2 available, 2 old/);
  });

  test('stalled when the progress deadline passed', () => {
    const s = rolloutState(
      deployment(2, {
        replicas: 3,
        updatedReplicas: 1,
        availableReplicas: 2,
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'too slow' },
        ],
      }),
      2,
    );
    assert.equal(s.state, 'Stalled');
  });

  test('not complete until the controller has observed the new generation or template', () => {
    assert.equal(
      rolloutState(deployment(1, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }), 2).state,
      'Progressing',
    );
    const stale = deployment(2, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    stale.status!.observedGeneration = 1;
    assert.equal(rolloutState(stale, 2).state, 'Progressing');
    assert.equal(rolloutState(undefined, 2).state, 'Progressing');
  });
});

describe('phase and conditions', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const training = { jobName: 'j', inputsHash: 'h', result: 'Succeeded' as const, version: 2 };

  test('serving and ready after a completed rollout', () => {
    const o = {
      training,
      promotion: { version: 2, decision: 'Promoted' as const, reason: 'ok' },
      rollout: { state: 'Complete' as const, message: '2 ready' },
      servingVersion: 2,
      targetVersion: 2,
    };
    assert.equal(derivePhase(o), 'Serving');
    const c = deriveConditions(undefined, o, 4, now);
    assert.deepEqual(
      c.map((x) => [x.type, x.status]),
      [
        ['Trained', 'True'],
        ['Promoted', 'True'],
        ['Ready', 'True'],
        ['Degraded', 'False'],
      ],
    );
    assert.ok(c.every((x) => x.observedGeneration === 4));
  });

  test('a refusal shows in Promoted with its reason while the old version keeps serving', () => {
    const o = {
      training: { ...training, version: 3 },
      promotion: {
        version: 3,
        decision: 'Refused' as const,
        reason: 'version 3 silhouette 0.1 is below minSilhouette 0.25',
      },
      rollout: { state: 'Complete' as const, message: '2 ready' },
      servingVersion: 2,
      targetVersion: 2,
    };
    assert.equal(derivePhase(o), 'Serving');
    const promoted = getCondition(deriveConditions(undefined, o, 1, now), 'Promoted')!;
    assert.equal(promoted.status, 'False');
    assert.equal(promoted.reason, 'Refused');
    assert.match(promoted.message, /below minSilhouette/);
  });

  test('a rollback is Degraded with the reason', () => {
    const o = {
      rollout: { state: 'Complete' as const, message: '' },
      servingVersion: 2,
      targetVersion: 2,
      rolledBack: { version: 3, reason: 'version 3 did not become ready within 300s' },
    };
    assert.equal(derivePhase(o), 'Degraded');
    const degraded = getCondition(deriveConditions(undefined, o, 1, now), 'Degraded')!;
    assert.deepEqual([degraded.status, degraded.reason], ['True', 'RolledBack']);
  });

  test('training, pending and failed phases', () => {
    assert.equal(derivePhase({ training: { ...training, result: 'Running' } }), 'Training');
    assert.equal(derivePhase({}), 'Pending');
    assert.equal(derivePhase({ training: { ...training, result: 'Failed' } }), 'Failed');
    assert.equal(derivePhase({ problem: { reason: 'BadSpec', message: 'x', permanent: true } }), 'Failed');
    assert.equal(
      derivePhase({ problem: { reason: 'RegistryUnavailable', message: 'x', permanent: false } }),
      'Degraded',
    );
  });
});
