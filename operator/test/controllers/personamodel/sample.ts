// A PersonaModel as the API server would return it, for the pure controller tests.
import type { PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';

export function sampleModel(overrides: Partial<PersonaModel['spec']> = {}): PersonaModel {
  return {
    apiVersion: 'personas.dtc.dev/v1alpha1',
    kind: 'PersonaModel',
    metadata: { name: 'customers', namespace: 'shop', uid: 'uid-1', generation: 1 },
    spec: {
      features: [
        { name: 'age', type: 'numeric' },
        { name: 'channel', type: 'categorical' },
      ],
      training: {
        data: {
          postgres: {
            secretRef: { name: 'customer-db', key: 'url' },
            query: 'SELECT age, channel FROM survey',
          },
        },
        k: { min: 2, max: 6 },
      },
      ...overrides,
    },
  };
}
