// The training runner's pure parts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { trainingMetrics } from '../../../src/controllers/personamodel/trainer-step.ts';

describe('trainingMetrics', () => {
  test('keeps k, inertia and silhouette; leaves out a missing silhouette', () => {
    const base = {
      k: 3,
      inertia: 12.5,
      calinskiHarabasz: null,
      daviesBouldin: null,
      perK: [],
      unmatchedPersonas: [],
    };
    assert.deepEqual(trainingMetrics({ ...base, silhouette: 0.4 }), { k: 3, inertia: 12.5, silhouette: 0.4 });
    assert.deepEqual(trainingMetrics({ ...base, silhouette: null }), { k: 3, inertia: 12.5 });
  });
});
