// A small hand-written artifact shared by the validation and scoring tests.
import type { ModelArtifact } from '../../src/artifact/types.ts';

/** age (mean 40, std 10), channel (web|store), income (constant column: std 0, scale 1). */
export function fixtureArtifact(): ModelArtifact {
  return {
    schemaVersion: 1,
    features: [
      { name: 'age', type: 'numeric', mean: 40, std: 10, scale: 10 },
      { name: 'channel', type: 'categorical', categories: ['web', 'store'] },
      { name: 'income', type: 'numeric', mean: 5, std: 0, scale: 1 },
    ],
    personas: [
      { id: 0, name: 'Young Web', centroid: { age: 30, channel: 'web', income: 5 }, scaled: [-1, 1, 0, 0] },
      {
        id: 1,
        name: 'Older Store',
        centroid: { age: 50, channel: 'store', income: 5 },
        scaled: [1, 0, 1, 0],
      },
    ],
    metrics: {
      k: 2,
      inertia: 1.5,
      silhouette: 0.5,
      calinskiHarabasz: 10,
      daviesBouldin: 0.4,
      perK: [{ k: 2, inertia: 1.5, silhouette: 0.5, calinskiHarabasz: 10, daviesBouldin: 0.4 }],
      unmatchedPersonas: [],
    },
    training: {
      mode: 'fit',
      rows: 4,
      dataHash: 'abc',
      seed: 0,
      nInit: 1,
      kRange: { min: 2, max: 2 },
      durationMs: 3,
      trainedAt: '2025-01-01T00:00:00.000Z',
      libraries: { 'ml-kmeans': '7.0.1' },
    },
    reference: {
      columns: ['age', 'channel', 'income'],
      rows: [
        [30, 'web', 5],
        [50, 'store', 5],
      ],
    },
  };
}
