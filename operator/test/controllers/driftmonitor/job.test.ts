import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDriftJobSpecJson } from '@persona-operator/jobs/drift-spec';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import { SpecProblem } from '../../../src/controllers/shared/errors.ts';
import { resolveMonitorSpec } from '../../../src/controllers/driftmonitor/defaults.ts';
import { buildDriftJob, driftJobSpec } from '../../../src/controllers/driftmonitor/job.ts';
import { driftJobName, slotStamp } from '../../../src/controllers/driftmonitor/naming.ts';
import { sampleModel } from '../personamodel/sample.ts';
import { sampleMonitor } from './sample.ts';

const slot = new Date('2025-03-01T12:05:00Z');

describe('drift Job names', () => {
  test('one deterministic name per monitor and slot, in UTC minutes', () => {
    assert.equal(slotStamp(slot), '202503011205');
    assert.equal(driftJobName('customers-march', slot), 'customers-march-drift-202503011205');
    assert.equal(
      driftJobName('customers-march', new Date('2025-03-01T12:05:59Z')),
      'customers-march-drift-202503011205',
    );
  });

  test('a run-now token gets its own name, whatever the minute; long monitor names still fit a label', () => {
    const a = driftJobName('m', slot, 'x');
    assert.match(a, /^m-drift-now-[0-9a-f]{10}$/);
    assert.equal(a, driftJobName('m', new Date('2025-03-01T12:07:00Z'), 'x'));
    assert.notEqual(a, driftJobName('m', slot, 'y'));
    const long = driftJobName(`${'a'.repeat(60)}-b`, slot, 'x');
    assert.ok(long.length <= 63, long);
    assert.match(long, /^a+-drift-now-[0-9a-f]{10}$/);
  });
});

describe('drift Job', () => {
  const monitor = sampleMonitor({
    tests: {
      numeric: 'ks',
      perFeature: { income: { test: 'psi', threshold: 0.2 } },
      driftShare: 0.3,
      novelty: { maxShare: 0.1 },
      perPersona: { enabled: false },
      driftWhen: { allOf: ['features', 'novelty'] },
    },
  });
  const model = sampleModel({ registry: { secretRef: { name: 'my-registry', key: 'dsn' } } });
  const job = buildDriftJob(monitor, resolveMonitorSpec(monitor.spec), model, DEFAULT_CONFIG, {
    jobName: 'customers-march-drift-202503011205',
    slot,
    trigger: 'Schedule',
  });
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0];
  const env = Object.fromEntries(container.env!.map((e) => [e.name, e]));

  test('is owned by the monitor and labelled as DESIGN section 9 says', () => {
    assert.deepEqual(job.metadata!.ownerReferences, [
      {
        apiVersion: 'personas.dtc.dev/v1alpha1',
        kind: 'DriftMonitor',
        name: 'customers-march',
        uid: 'dm-uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(job.metadata!.labels, {
      'app.kubernetes.io/name': 'persona-drift',
      'app.kubernetes.io/instance': 'customers-march',
      'app.kubernetes.io/managed-by': 'persona-operator',
      'app.kubernetes.io/component': 'drift',
      'personas.dtc.dev/model': 'customers',
      'personas.dtc.dev/monitor': 'customers-march',
    });
    assert.deepEqual(job.spec!.template.metadata!.labels, job.metadata!.labels);
    assert.equal(job.metadata!.annotations!['personas.dtc.dev/scheduled-time'], '2025-03-01T12:05:00.000Z');
  });

  test('runs `persona drift` with the trainer image, account and security settings', () => {
    assert.deepEqual(container.args, ['drift']);
    assert.equal(container.image, DEFAULT_CONFIG.image);
    assert.equal(pod.serviceAccountName, DEFAULT_CONFIG.trainerServiceAccount);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(pod.securityContext!.runAsNonRoot, true);
    assert.equal(container.securityContext!.readOnlyRootFilesystem, true);
    assert.equal(container.terminationMessagePolicy, 'FallbackToLogsOnError');
    assert.ok(job.spec!.ttlSecondsAfterFinished! > 0);
  });

  test('fails at once on exit 2 through the podFailurePolicy', () => {
    const rule = job.spec!.podFailurePolicy!.rules[0];
    assert.equal(rule.action, 'FailJob');
    assert.deepEqual(rule.onExitCodes, { containerName: 'drift', operator: 'In', values: [2] });
  });

  test('env: the spec the checker parses, secrets by reference, the run id from the Job UID', () => {
    const spec = parseDriftJobSpecJson(env.PERSONA_DRIFT_SPEC.value!, 'PERSONA_DRIFT_SPEC');
    assert.deepEqual(spec.monitor, { namespace: 'shop', name: 'customers-march' });
    assert.deepEqual(spec.model, { namespace: 'shop', name: 'customers' });
    assert.ok('postgres' in spec.current);
    assert.equal(spec.current.postgres.query, "SELECT age, income FROM survey WHERE month = '2025-03'");
    assert.equal(spec.current.postgres.urlEnv, 'PERSONA_DATA_URL');
    assert.deepEqual(spec.tests, {
      numeric: 'ks',
      categorical: 'auto',
      driftShare: 0.3,
      perFeature: { income: { test: 'psi', threshold: 0.2 } },
      personaMix: { enabled: true, test: 'auto' },
      novelty: { enabled: true, percentile: 0.99, maxShare: 0.1 },
      perPersona: { enabled: false, minRows: 30, falseAlarmRate: 0.01 },
      driftWhen: { allOf: ['features', 'novelty'] },
    });
    assert.deepEqual(env.PERSONA_REGISTRY_URL.valueFrom, {
      secretKeyRef: { name: 'my-registry', key: 'dsn' },
    });
    assert.deepEqual(env.PERSONA_DATA_URL.valueFrom, { secretKeyRef: { name: 'customer-db', key: 'url' } });
    assert.equal(
      env.PERSONA_RUN_ID.valueFrom!.fieldRef!.fieldPath,
      "metadata.labels['batch.kubernetes.io/controller-uid']",
    );
    assert.ok(!JSON.stringify(job).includes('postgres://'), 'no URL in the Job');
  });

  test("the registry Secret falls back to the operator's default; logged traffic has no data Secret", () => {
    const m = sampleMonitor({ current: { predictions: { window: '90m' } } });
    const resolved = resolveMonitorSpec(m.spec);
    const j = buildDriftJob(m, resolved, undefined, DEFAULT_CONFIG, {
      jobName: 'x',
      slot,
      trigger: 'RunNow',
    });
    const e = Object.fromEntries(j.spec!.template.spec!.containers[0].env!.map((v) => [v.name, v]));
    assert.deepEqual(e.PERSONA_REGISTRY_URL.valueFrom, {
      secretKeyRef: { name: 'persona-registry', key: 'url' },
    });
    assert.equal(e.PERSONA_DATA_URL, undefined);
    assert.deepEqual(driftJobSpec(m, resolved).current, { predictions: { windowSeconds: 5400 } });
    assert.throws(
      () =>
        buildDriftJob(
          m,
          resolved,
          undefined,
          { ...DEFAULT_CONFIG, defaultRegistrySecret: undefined },
          { jobName: 'x', slot, trigger: 'x' },
        ),
      (err: unknown) => err instanceof SpecProblem && /spec\.registry/.test(err.message),
    );
  });

  test("unset keys and window take the schema's defaults, the model's registry Secret included", () => {
    const m = sampleMonitor({
      current: { postgres: { secretRef: { name: 'customer-db' }, query: 'SELECT age FROM t' } },
    });
    const keyless = sampleModel({ registry: { secretRef: { name: 'my-registry' } } });
    const j = buildDriftJob(m, resolveMonitorSpec(m.spec), keyless, DEFAULT_CONFIG, {
      jobName: 'x',
      slot,
      trigger: 'Schedule',
    });
    const e = Object.fromEntries(j.spec!.template.spec!.containers[0].env!.map((v) => [v.name, v]));
    assert.deepEqual(e.PERSONA_REGISTRY_URL.valueFrom, { secretKeyRef: { name: 'my-registry', key: 'url' } });
    assert.deepEqual(e.PERSONA_DATA_URL.valueFrom, { secretKeyRef: { name: 'customer-db', key: 'url' } });
    const logged = sampleMonitor({ current: { predictions: {} } });
    assert.deepEqual(driftJobSpec(logged, resolveMonitorSpec(logged.spec)).current, {
      predictions: { windowSeconds: 86_400 },
    });
  });
});
