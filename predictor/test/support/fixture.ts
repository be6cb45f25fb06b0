// A small hand-made artifact for the predictor tests: two numeric features and one categorical.
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { parseArtifact } from '@persona-operator/core/artifact/validate';

export const MODEL = { namespace: 'shop', name: 'customers', version: 3 } as const;

/** age (mean 40, std 10), income (mean 50000, std 20000), channel (web | store). */
export function fixtureArtifact(): ModelArtifact {
  return parseArtifact({
    schemaVersion: 1,
    features: [
      { name: 'age', type: 'numeric', mean: 40, std: 10, scale: 10 },
      { name: 'income', type: 'numeric', mean: 50000, std: 20000, scale: 20000 },
      { name: 'channel', type: 'categorical', categories: ['web', 'store'] },
    ],
    personas: [
      {
        id: 0,
        name: 'Young Web',
        centroid: { age: 30, income: 40000, channel: 'web' },
        scaled: [-1, -0.5, 1, 0],
      },
      {
        id: 1,
        name: 'Older Store',
        centroid: { age: 55, income: 70000, channel: 'store' },
        scaled: [1.5, 1, 0, 1],
      },
      {
        id: 2,
        name: 'Affluent Web',
        centroid: { age: 45, income: 110000, channel: 'web' },
        scaled: [0.5, 3, 1, 0],
      },
    ],
    metrics: {
      k: 3,
      inertia: 4.2,
      silhouette: 0.45,
      calinskiHarabasz: 12,
      daviesBouldin: 0.6,
      perK: [{ k: 3, inertia: 4.2, silhouette: 0.45, calinskiHarabasz: 12, daviesBouldin: 0.6 }],
      unmatchedPersonas: [],
    },
    training: {
      mode: 'fit',
      rows: 6,
      dataHash: '0'.repeat(64),
      seed: 42,
      nInit: 1,
      kRange: { min: 3, max: 3 },
      durationMs: 1,
      trainedAt: '2025-01-01T00:00:00.000Z',
      libraries: { 'ml-kmeans': '7.0.1' },
    },
    reference: {
      columns: ['age', 'income', 'channel'],
      rows: [
        [30, 40000, 'web'],
        [55, 70000, 'store'],
        [45, 110000, 'web'],
      ],
    },
    model: { ...MODEL },
  });
}

/** Rows with the persona each should get. */
export const KNOWN_ROWS = [
  { row: [29, 39000, 'web'], persona: 'Young Web' },
  { row: [57, 72000, 'store'], persona: 'Older Store' },
  { row: [46, 115000, 'web'], persona: 'Affluent Web' },
] as const;

/** The fixture without its categorical feature: a model whose only V2 input is the matrix. */
export function numericFixtureArtifact(): ModelArtifact {
  const full = fixtureArtifact();
  return parseArtifact({
    ...full,
    features: full.features.filter((f) => f.type === 'numeric'),
    personas: full.personas.map((p) => ({
      ...p,
      centroid: { age: p.centroid.age, income: p.centroid.income },
      scaled: p.scaled.slice(0, 2),
    })),
    reference: { columns: ['age', 'income'], rows: full.reference.rows.map((r) => r.slice(0, 2)) },
    model: { ...MODEL, name: 'spend' },
  });
}
