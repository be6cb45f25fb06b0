import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainingJobSpecJson } from '@persona-operator/jobs/training-spec';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import { resolveSpec } from '../../../src/controllers/personamodel/defaults.ts';
import { trainingInputsHash, trainingJobName } from '../../../src/controllers/personamodel/naming.ts';
import { buildTrainingJob } from '../../../src/controllers/personamodel/objects/job.ts';
import {
  buildPredictorDeployment,
  buildPredictorHpa,
  buildPredictorPdb,
  buildPredictorService,
} from '../../../src/controllers/personamodel/objects/predictor.ts';
import { planTrainingData } from '../../../src/controllers/personamodel/training-data.ts';
import { sampleModel } from './sample.ts';

const model = sampleModel();
const spec = resolveSpec(model.spec);
const modelData = planTrainingData({ spec, namespace: 'shop', reason: 'NoVersion', token: '' });

describe('naming', () => {
  test('the inputs hash ignores key order and non-training fields, and sees training changes', () => {
    const reordered = resolveSpec({
      ...model.spec,
      training: {
        k: { max: 6, min: 2 },
        data: model.spec.training.data,
        schedule: '0 3 * * 1',
        backoffLimit: 5,
      },
    });
    assert.equal(trainingInputsHash(reordered), trainingInputsHash(spec));
    const changed = resolveSpec({ ...model.spec, training: { ...model.spec.training, seed: 7 } });
    assert.notEqual(trainingInputsHash(changed), trainingInputsHash(spec));
  });

  test('Job names are deterministic, differ by token, and fit a label value', () => {
    const a = trainingJobName('customers', 'h', '');
    assert.equal(a, trainingJobName('customers', 'h', ''));
    assert.match(a, /^customers-train-[0-9a-f]{10}$/);
    assert.notEqual(a, trainingJobName('customers', 'h', 'again'));
    const long = trainingJobName('a'.repeat(60), 'h', '');
    assert.ok(long.length <= 63);
    assert.match(long, /^a+-train-[0-9a-f]{10}$/);
  });
});

describe('training Job', () => {
  const job = buildTrainingJob(model, spec, DEFAULT_CONFIG, {
    jobName: 'customers-train-x',
    inputsHash: 'h',
    trigger: 'NoVersion',
    data: modelData,
  });
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0];
  const env = Object.fromEntries(container.env!.map((e) => [e.name, e]));

  test('is owned by the model and carries the contract labels', () => {
    assert.deepEqual(job.metadata!.ownerReferences, [
      {
        apiVersion: 'personas.dtc.dev/v1alpha1',
        kind: 'PersonaModel',
        name: 'customers',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const labels = job.metadata!.labels!;
    assert.equal(labels['app.kubernetes.io/instance'], 'customers');
    assert.equal(labels['app.kubernetes.io/managed-by'], 'persona-operator');
    assert.equal(labels['personas.dtc.dev/model'], 'customers');
    assert.ok(labels['app.kubernetes.io/name']);
  });

  test('fails at once on exit code 2 and cleans up after itself', () => {
    const rule = job.spec!.podFailurePolicy!.rules[0];
    assert.equal(rule.action, 'FailJob');
    assert.deepEqual(rule.onExitCodes, { containerName: 'trainer', operator: 'In', values: [2] });
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(job.spec!.backoffLimit, 2);
    assert.equal(job.spec!.activeDeadlineSeconds, 3600);
    assert.equal(job.spec!.ttlSecondsAfterFinished, 86400);
    assert.equal(job.spec!.completionMode, undefined, 'one pod: a plain Job');
    assert.equal(job.spec!.parallelism, undefined);
  });

  test('parallelism 3: an Indexed Job of 3 pods, each index retried on its own, any index out of retries failing it', () => {
    const split = resolveSpec({
      ...model.spec,
      training: { ...model.spec.training, algorithm: 'lloyd', parallelism: 3 },
    });
    const indexed = buildTrainingJob(model, split, DEFAULT_CONFIG, {
      jobName: 'customers-train-x',
      inputsHash: 'h',
      trigger: 'NoVersion',
      data: planTrainingData({ spec: split, namespace: 'shop', reason: 'NoVersion', token: '' }),
    });
    const s = indexed.spec!;
    assert.equal(s.completionMode, 'Indexed');
    assert.equal(s.completions, 3);
    assert.equal(s.parallelism, 3);
    assert.equal(s.backoffLimitPerIndex, 2);
    assert.equal(s.maxFailedIndexes, 0);
    assert.equal(s.backoffLimit, undefined, 'the per-index limit applies, not a shared one');
    assert.equal(s.podFailurePolicy!.rules[0].action, 'FailJob');
    assert.equal(s.template.spec!.restartPolicy, 'Never');
    const specEnv = s.template.spec!.containers[0].env!.find((e) => e.name === 'PERSONA_TRAINING_SPEC')!;
    assert.equal(parseTrainingJobSpecJson(specEnv.value!, 'PERSONA_TRAINING_SPEC').parallelism, 3);
    assert.equal(
      trainingInputsHash(split),
      trainingInputsHash(
        resolveSpec({
          ...model.spec,
          training: { ...model.spec.training, algorithm: 'lloyd' },
        }),
      ),
      'the same model however many pods fit it: no retrain',
    );
  });

  test('runs the trainer non-root with a read-only root and no capabilities', () => {
    assert.deepEqual(container.args, ['train']);
    assert.equal(pod.securityContext!.runAsNonRoot, true);
    assert.equal(container.securityContext!.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext!.capabilities, { drop: ['ALL'] });
    assert.equal(pod.automountServiceAccountToken, false);
  });

  test('takes the registry and data URLs from Secrets, never inline', () => {
    assert.deepEqual(env.PERSONA_REGISTRY_URL.valueFrom, {
      secretKeyRef: { name: 'persona-registry', key: 'url' },
    });
    assert.deepEqual(env.PERSONA_DATA_URL.valueFrom, { secretKeyRef: { name: 'customer-db', key: 'url' } });
    assert.ok(env.PERSONA_RUN_ID.valueFrom?.fieldRef);
  });

  test('hands the trainer a spec its own parser accepts', () => {
    const parsed = parseTrainingJobSpecJson(env.PERSONA_TRAINING_SPEC.value!, 'PERSONA_TRAINING_SPEC');
    assert.deepEqual(parsed.model, { namespace: 'shop', name: 'customers' });
    assert.deepEqual(parsed.k, { min: 2, max: 6 });
    assert.deepEqual(parsed.data, {
      postgres: {
        query: 'SELECT age, channel FROM survey',
        urlEnv: 'PERSONA_DATA_URL',
        rowLimit: 5_000_000,
        secretRef: { name: 'customer-db', key: 'url' },
      },
    });
    assert.equal(parsed.dataChoice, 'Model');
    assert.deepEqual(parsed.trigger, { kind: 'spec', detail: 'NoVersion' });
    assert.deepEqual(
      parsed.features.map((f) => f.type),
      ['numeric', 'categorical'],
    );
  });

  test('a model without a registry Secret and no operator default is a spec problem', () => {
    assert.throws(
      () =>
        buildTrainingJob(
          model,
          spec,
          { ...DEFAULT_CONFIG, defaultRegistrySecret: undefined },
          { jobName: 'j', inputsHash: 'h', trigger: 't', data: modelData },
        ),
      /spec.registry: not set/,
    );
  });
});

describe('predictor objects', () => {
  test('the Deployment rolls with no unavailable pod and carries the version in its template', () => {
    const d = buildPredictorDeployment(model, spec, DEFAULT_CONFIG, 7);
    assert.equal(d.metadata!.name, 'customers-predictor');
    assert.deepEqual(d.spec!.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    assert.equal(d.spec!.replicas, 2);
    const c = d.spec!.template.spec!.containers[0];
    assert.deepEqual(c.args, ['serve', '--model', 'shop/customers', '--version', '7']);
    assert.equal(c.env!.find((e) => e.name === 'MODEL_VERSION')?.value, '7');
    assert.deepEqual(c.readinessProbe!.httpGet, { path: '/v2/health/ready', port: 'http' });
    assert.equal(c.ports![0].containerPort, 8080);
    assert.equal(d.spec!.template.metadata!.labels!['personas.dtc.dev/version'], '7');
    assert.equal(d.spec!.progressDeadlineSeconds, 300);
    const other = buildPredictorDeployment(model, spec, DEFAULT_CONFIG, 8);
    assert.deepEqual(other.spec!.selector, d.spec!.selector, 'the selector never changes with the version');
  });

  test('the Service selects the predictor pods on port 80', () => {
    const s = buildPredictorService(model);
    assert.deepEqual(s.spec!.selector, {
      'personas.dtc.dev/model': 'customers',
      'app.kubernetes.io/component': 'predictor',
    });
    assert.deepEqual(s.spec!.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('HPA and PDB exist only when asked for, and the HPA then owns replicas', () => {
    assert.equal(buildPredictorHpa(model, spec), undefined);
    assert.equal(buildPredictorPdb(model, spec), undefined);
    const scaled = resolveSpec({
      ...model.spec,
      serving: { autoscaling: { maxReplicas: 4 }, podDisruptionBudget: { minAvailable: 1 } },
    });
    const hpa = buildPredictorHpa(model, scaled)!;
    assert.equal(hpa.spec!.maxReplicas, 4);
    assert.equal(hpa.spec!.minReplicas, 1);
    assert.equal(hpa.spec!.metrics![0].resource!.target.averageUtilization, 80);
    assert.deepEqual(buildPredictorPdb(model, scaled)!.spec!.minAvailable, 1);
    assert.equal(buildPredictorDeployment(model, scaled, DEFAULT_CONFIG, 1).spec!.replicas, undefined);
  });
});
