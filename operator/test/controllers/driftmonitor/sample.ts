// A DriftMonitor and a stored drift report as the API server and the registry return them,
// for the pure controller tests.
import type { DriftReport } from '@persona-operator/registry';
import type { DriftMonitor } from '../../../src/api/v1alpha1/driftmonitor.ts';

export function sampleMonitor(overrides: Partial<DriftMonitor['spec']> = {}): DriftMonitor {
  return {
    apiVersion: 'personas.dtc.dev/v1alpha1',
    kind: 'DriftMonitor',
    metadata: {
      name: 'customers-march',
      namespace: 'shop',
      uid: 'dm-uid-1',
      generation: 1,
      creationTimestamp: new Date('2025-03-01T00:00:00Z'),
    },
    spec: {
      modelRef: { name: 'customers' },
      current: {
        postgres: {
          secretRef: { name: 'customer-db', key: 'url' },
          query: "SELECT age, income FROM survey WHERE month = '2025-03'",
        },
      },
      schedule: '0 * * * *',
      ...overrides,
    },
  };
}

export function sampleReport(driftDetected: boolean, overrides: Partial<DriftReport> = {}): DriftReport {
  return {
    id: 7,
    monitor: 'shop/customers-march',
    runId: 'job-uid',
    model: { namespace: 'shop', name: 'customers', version: 3 },
    driftDetected,
    share: driftDetected ? 0.5 : 0,
    columns: [
      {
        name: 'age',
        test: 'wasserstein',
        statistic: driftDetected ? 0.4 : 0.01,
        pValue: null,
        threshold: 0.1,
        drifted: driftDetected,
      },
      { name: 'income', test: 'psi', statistic: null, pValue: null, threshold: 0.1, drifted: false },
    ],
    summary: { shareThreshold: 0.5 },
    createdAt: new Date('2025-03-01T12:00:05Z'),
    ...overrides,
  };
}
