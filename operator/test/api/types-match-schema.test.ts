// The TypeScript API types and the CRD schema literals describe the same objects.
// Compile time (npm run typecheck): each interface equals the type the schema admits.
// Run time: typed samples that together use every schema field fit the schema.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deep, Equals, FromSchema } from '../../src/api/schema.ts';
import {
  personaModelSpecSchema,
  personaModelStatusSchema,
  type PersonaModelSpec,
  type PersonaModelStatus,
} from '../../src/api/v1alpha1/personamodel.ts';
import {
  driftMonitorSpecSchema,
  driftMonitorStatusSchema,
  type DriftMonitorSpec,
  type DriftMonitorStatus,
} from '../../src/api/v1alpha1/driftmonitor.ts';
import { schemaErrors, schemaPaths, valuePaths } from '../support/schema-validate.ts';
import type { JSONSchemaProps } from '../../src/api/schema.ts';

// A mismatch makes one of these `false`, and assigning `true` to it fails the typecheck.
const typeChecks: [
  Equals<Deep<PersonaModelSpec>, Deep<FromSchema<typeof personaModelSpecSchema>>>,
  Equals<Deep<PersonaModelStatus>, Deep<FromSchema<typeof personaModelStatusSchema>>>,
  Equals<Deep<DriftMonitorSpec>, Deep<FromSchema<typeof driftMonitorSpecSchema>>>,
  Equals<Deep<DriftMonitorStatus>, Deep<FromSchema<typeof driftMonitorStatusSchema>>>,
] = [true, true, true, true];

const secret = { name: 'customer-db', key: 'url' };

const modelSpecs: PersonaModelSpec[] = [
  {
    features: [
      { name: 'age', type: 'numeric' },
      { name: 'channel', type: 'categorical' },
    ],
    personas: [{ name: 'Sustainable Steve', centroid: { age: 35 }, categories: { channel: 'web' } }],
    training: {
      data: {
        postgres: { secretRef: secret, query: "SELECT age, channel FROM survey WHERE month = '2025-01'" },
      },
      mode: 'fit',
      k: { min: 2, max: 10 },
      nInit: 10,
      seed: 42,
      schedule: '0 3 * * 1',
      resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: 2, memory: '1Gi' } },
      backoffLimit: 2,
      activeDeadlineSeconds: 3600,
      ttlSecondsAfterFinished: 600,
    },
    promotion: { policy: 'Automatic', minSilhouette: 0.25, requireImprovement: true, tolerance: 0.01 },
    serving: {
      replicas: 2,
      autoscaling: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
      version: 7,
      logPredictions: true,
      resources: { requests: { cpu: '100m' }, limits: { memory: '512Mi' } },
      podDisruptionBudget: { minAvailable: 1 },
      progressDeadlineSeconds: 120,
    },
    registry: { secretRef: { name: 'persona-registry', key: 'url' } },
    artifacts: { postgres: {} },
  },
  {
    features: [{ name: 'income' }],
    training: { data: { gcs: { uri: 'gs://bucket/path.csv', secretRef: secret } }, k: { value: 3 } },
    serving: { podDisruptionBudget: { maxUnavailable: '50%' } },
    artifacts: { gcs: { bucket: 'models', prefix: 'personas/', secretRef: secret } },
  },
  {
    features: [{ name: 'income' }],
    training: { data: { gcs: { uri: 'gs://bucket/path.csv' } } },
    artifacts: { volume: { claimName: 'artifacts', path: '/data' } },
  },
];

const modelStatus: PersonaModelStatus = {
  observedGeneration: 3,
  phase: 'Serving',
  conditions: [
    {
      type: 'Ready',
      status: 'True',
      reason: 'Serving',
      message: 'version 2 is ready',
      lastTransitionTime: '2025-01-01T00:00:00Z',
      observedGeneration: 3,
    },
  ],
  latestVersion: 2,
  productionVersion: 2,
  servingVersion: 2,
  lastTraining: {
    jobName: 'customers-train-0123456789',
    inputsHash: '0123456789abcdef',
    trigger: 'NoVersion',
    startTime: '2025-01-01T00:00:00Z',
    completionTime: '2025-01-01T00:01:00Z',
    result: 'Succeeded',
    message: 'registered version 2',
    version: 2,
    metrics: { k: 4, silhouette: 0.41, inertia: 1234.5 },
  },
  lastPromotion: {
    version: 2,
    decision: 'Promoted',
    reason: 'silhouette 0.41 >= 0.25',
    time: '2025-01-01T00:01:00Z',
  },
  rollout: { targetVersion: 2, startTime: '2025-01-01T00:01:00Z', failedVersion: 1, message: 'rolled back' },
  retrainToken: 'again',
  endpoint: 'http://customers-predictor.default.svc:80',
};

const monitorSpecs: DriftMonitorSpec[] = [
  {
    modelRef: { name: 'customers' },
    current: { postgres: { secretRef: secret, query: "SELECT * FROM survey WHERE month = '2025-03'" } },
    schedule: '0 * * * *',
    tests: {
      numeric: 'auto',
      categorical: 'chisquare',
      perFeature: { income: { test: 'psi', threshold: 0.2 } },
      driftShare: 0.5,
    },
    action: { retrain: true, cooldown: '24h' },
    notify: [
      { telegram: { botTokenSecretRef: secret, chatId: '-100123' }, onNoDrift: true },
      { slack: { webhookSecretRef: secret } },
      { webhook: { url: 'https://example.com/hook', hmacSecretRef: secret } },
    ],
  },
  { modelRef: { name: 'customers' }, current: { predictions: { window: '24h' } } },
];

const monitorStatus: DriftMonitorStatus = {
  observedGeneration: 1,
  conditions: [
    {
      type: 'DriftDetected',
      status: 'False',
      reason: 'NoDrift',
      message: '0 of 3 columns drifted',
      lastTransitionTime: '2025-01-01T00:00:00Z',
      observedGeneration: 1,
    },
  ],
  lastRunTime: '2025-01-01T00:00:00Z',
  nextRunTime: '2025-01-01T01:00:00Z',
  lastJobName: 'usage-drift-1735693200',
  lastRunResult: 'Succeeded',
  runNowToken: 'again',
  lastReport: {
    id: 9,
    version: 2,
    driftDetected: true,
    driftShare: 0.6,
    url: 'http://persona-operator.personas.svc:8081/reports/9',
    columns: [{ name: 'income', test: 'psi', statistic: 0.3, pValue: 0.01, threshold: 0.2, drifted: true }],
  },
  lastRetrainTriggered: '2025-01-01T00:00:00Z',
  notifications: [
    {
      kind: 'webhook',
      target: 'webhook https://example.com/hook',
      delivered: false,
      attempts: 4,
      error: 'HTTP 503',
      time: '2025-01-01T00:00:05Z',
    },
  ],
};

function checkCoverage(schema: JSONSchemaProps, samples: unknown[]): void {
  for (const sample of samples) assert.deepEqual(schemaErrors(schema, sample), []);
  const used = new Set(samples.flatMap((s) => valuePaths(schema, s)));
  const unused = schemaPaths(schema).filter((p) => !used.has(p));
  assert.deepEqual(unused, [], 'every schema field is used by a typed sample');
}

describe('API types and CRD schema', () => {
  test('the compile-time equalities hold', () => {
    assert.deepEqual(typeChecks, [true, true, true, true]);
  });

  test('PersonaModel samples fit the schema and use every field', () => {
    checkCoverage(personaModelSpecSchema, modelSpecs);
    checkCoverage(personaModelStatusSchema, [modelStatus]);
  });

  test('DriftMonitor samples fit the schema and use every field', () => {
    checkCoverage(driftMonitorSpecSchema, monitorSpecs);
    checkCoverage(driftMonitorStatusSchema, [monitorStatus]);
  });

  test('the checker itself notices an unknown field and a wrong type', () => {
    const bad = { ...modelSpecs[1], extra: 1, training: { data: { gcs: { uri: 42 } } } };
    assert.deepEqual(schemaErrors(personaModelSpecSchema, bad), [
      '.training.data.gcs.uri: expected string',
      '.extra: unknown field',
    ]);
  });
});
