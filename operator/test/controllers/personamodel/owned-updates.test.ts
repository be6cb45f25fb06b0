// Which updates of a model's Job and Deployment queue the model: the ends of a Job and each
// step of a rollout do, the status churn in between does not.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Job } from '@kubernetes/client-node';
import {
  deploymentUpdateMatters,
  jobUpdateMatters,
} from '../../../src/controllers/personamodel/owned-updates.ts';
import { VERSION_LABEL } from '../../../src/controllers/personamodel/naming.ts';
import { APPLIED_HASH_ANNOTATION } from '../../../src/controllers/personamodel/predictor-service.ts';

const job = (status: V1Job['status'], labels: Record<string, string> = { model: 'm' }): V1Job => ({
  metadata: { name: 'm-train-1', namespace: 'ns', labels, resourceVersion: String(Math.random()) },
  status,
});

describe('jobUpdateMatters', () => {
  const created = job({});
  const running = job({ active: 1, startTime: new Date(0) });
  const ready = job({ active: 1, ready: 1, startTime: new Date(0) });
  const criteriaMet = job({
    ready: 0,
    succeeded: 1,
    conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }],
  });
  const complete = job({
    succeeded: 1,
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True' },
      { type: 'Complete', status: 'True' },
    ],
  });
  const failed = job({
    failed: 3,
    conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
  });

  test('the counts moving while the Job runs do not', () => {
    assert.equal(jobUpdateMatters(running, created), false);
    assert.equal(jobUpdateMatters(ready, running), false);
    assert.equal(jobUpdateMatters(criteriaMet, ready), false);
  });

  test('reaching Complete or Failed does, and so does a relabel', () => {
    assert.equal(jobUpdateMatters(complete, criteriaMet), true);
    assert.equal(jobUpdateMatters(failed, ready), true);
    assert.equal(jobUpdateMatters(job({}, { model: 'other' }), created), true);
  });
});

const deployment = (
  version: string,
  status: V1Deployment['status'],
  extra: { generation?: number; hash?: string; revision?: string } = {},
): V1Deployment => ({
  metadata: {
    name: 'm-predictor',
    namespace: 'ns',
    generation: extra.generation ?? 1,
    annotations: {
      [APPLIED_HASH_ANNOTATION]: extra.hash ?? 'h1',
      ...(extra.revision ? { 'deployment.kubernetes.io/revision': extra.revision } : {}),
    },
  },
  spec: {
    replicas: 1,
    selector: {},
    template: { metadata: { labels: { [VERSION_LABEL]: version } } },
  },
  status,
});

describe('deploymentUpdateMatters', () => {
  const observed = deployment('1', { observedGeneration: 1, replicas: 1, updatedReplicas: 1 });
  const available = deployment('1', {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
  });

  test('each step of the rollout does', () => {
    assert.equal(deploymentUpdateMatters(observed, deployment('1', {})), true, 'observed the generation');
    assert.equal(deploymentUpdateMatters(available, observed), true, 'Complete');
    const stalled = deployment('1', {
      ...observed.status,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
    });
    assert.equal(deploymentUpdateMatters(stalled, observed), true, 'Stalled');
    assert.equal(
      deploymentUpdateMatters(deployment('2', {}, { hash: 'h2' }), available),
      true,
      'a new version applied',
    );
  });

  test('an annotation of the Deployment controller or a condition timestamp alone does not', () => {
    const annotated = deployment('1', available.status, { revision: '1' });
    assert.equal(deploymentUpdateMatters(annotated, available), false);
    const touched = deployment('1', {
      ...available.status,
      conditions: [{ type: 'Available', status: 'True', lastUpdateTime: new Date(5) }],
    });
    assert.equal(deploymentUpdateMatters(touched, available), false);
  });
});
