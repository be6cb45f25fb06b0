// What the informer cache keeps of the Jobs and Deployments the operator makes: everything the
// controllers read from them (labels, annotations, owners, the template's labels, replicas,
// status) without the pod template's spec, the bulk of each object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Deployment, V1Job } from '@kubernetes/client-node';
import { DEFAULT_CONFIG } from '../../src/config.ts';
import { resolveSpec } from '../../src/controllers/personamodel/defaults.ts';
import { buildTrainingJob } from '../../src/controllers/personamodel/objects/job.ts';
import { buildPredictorDeployment } from '../../src/controllers/personamodel/objects/predictor.ts';
import { rolloutState } from '../../src/controllers/personamodel/rollout.ts';
import { planTrainingData } from '../../src/controllers/personamodel/training-data.ts';
import { jobOutcome } from '../../src/controllers/shared/job-outcome.ts';
import { deploymentKind, jobKind } from '../../src/kube/informers.ts';
import { sampleModel } from '../controllers/personamodel/sample.ts';

const model = sampleModel();
const spec = resolveSpec(model.spec);
const size = (o: object) => JSON.stringify(o).length;

test('a cached training Job keeps what the controllers read and drops the pod spec', () => {
  const built = buildTrainingJob(model, spec, DEFAULT_CONFIG, {
    jobName: 'customers-train-x',
    inputsHash: 'h',
    trigger: 'NoVersion',
    data: planTrainingData({ spec, namespace: 'shop', reason: 'NoVersion', token: '' }),
  });
  const job: V1Job = {
    ...built,
    metadata: { ...built.metadata, managedFields: [{ manager: 'persona-operator', operation: 'Update' }] },
    status: {
      startTime: new Date('2026-01-01T00:00:00Z'),
      completionTime: new Date('2026-01-01T00:01:00Z'),
      conditions: [{ type: 'Complete', status: 'True' }],
    },
  };
  const cached = jobKind.transform!(job);
  assert.equal(cached.spec?.template.spec, undefined);
  assert.equal(cached.metadata?.managedFields, undefined);
  assert.deepEqual(cached.metadata?.labels, job.metadata?.labels);
  assert.deepEqual(cached.metadata?.annotations, job.metadata?.annotations);
  assert.deepEqual(cached.metadata?.ownerReferences, job.metadata?.ownerReferences);
  assert.deepEqual(cached.spec?.template.metadata, job.spec?.template.metadata);
  assert.deepEqual(jobOutcome(cached), jobOutcome(job));
  assert.ok(
    size(cached) <= size(job) - size(job.spec!.template.spec!),
    `${size(cached)} of ${size(job)} characters kept`,
  );
  assert.ok(job.spec?.template.spec, 'the object handed in is left as it was');
});

test('a cached predictor Deployment says the same rollout state without the pod spec', () => {
  const built = buildPredictorDeployment(model, spec, DEFAULT_CONFIG, 3);
  const deploy: V1Deployment = {
    ...built,
    metadata: { ...built.metadata, generation: 2 },
    status: {
      observedGeneration: 2,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    },
  };
  const cached = deploymentKind.transform!(deploy);
  assert.equal(cached.spec?.template.spec, undefined);
  assert.equal(cached.spec?.replicas, deploy.spec?.replicas);
  assert.deepEqual(cached.spec?.template.metadata?.labels, deploy.spec?.template.metadata?.labels);
  assert.deepEqual(rolloutState(cached, 3), rolloutState(deploy, 3));
  assert.deepEqual(rolloutState(cached, 4), rolloutState(deploy, 4));
  assert.ok(
    size(cached) <= size(deploy) - size(deploy.spec!.template.spec!),
    `${size(cached)} of ${size(deploy)} characters kept`,
  );
});
