import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutState, servingTarget } from '../../../src/controllers/personamodel/rollout.ts';

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
