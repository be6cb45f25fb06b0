// A small, valid artifact for registry and store tests (two numeric features, two personas).
import type { ModelArtifact } from '@persona-operator/core/artifact/types';

export function sampleArtifact(opts: { silhouette?: number; dataHash?: string } = {}): ModelArtifact {
  const silhouette = opts.silhouette ?? 0.5;
  const metrics = { k: 2, inertia: 12.5, silhouette, calinskiHarabasz: 40, daviesBouldin: 0.6 };
  return {
    schemaVersion: 1,
    features: [
      { name: 'age', type: 'numeric', mean: 40, std: 10, scale: 10 },
      { name: 'income', type: 'numeric', mean: 50_000, std: 20_000, scale: 20_000 },
    ],
    personas: [
      { id: 0, name: 'Young Saver', centroid: { age: 30, income: 40_000 }, scaled: [-1, -0.5] },
      { id: 1, name: 'Established Spender', centroid: { age: 50, income: 60_000 }, scaled: [1, 0.5] },
    ],
    metrics: { ...metrics, perK: [metrics], unmatchedPersonas: [] },
    training: {
      mode: 'fit',
      rows: 4,
      dataHash: opts.dataHash ?? 'a'.repeat(64),
      seed: 42,
      nInit: 3,
      kRange: { min: 2, max: 2 },
      durationMs: 5,
      trainedAt: '2025-01-31T00:00:00.000Z',
      libraries: { 'ml-kmeans': '7.0.1' },
    },
    reference: {
      columns: ['age', 'income'],
      rows: [
        [30, 40_000],
        [50, 60_000],
      ],
    },
  };
}
