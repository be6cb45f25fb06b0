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
    assert.deepEqual(trainingMetrics({ ...base, silhouette: 0.4 }), {
      k: 3,
      inertia: 12.5,
      silhouette: 0.4,
      silhouetteRounded: 0.4,
    });
    // kubectl get shows three decimals, the registry keeps the exact value.
    assert.deepEqual(trainingMetrics({ ...base, silhouette: 0.5878440650713562 }), {
      k: 3,
      inertia: 12.5,
      silhouette: 0.5878440650713562,
      silhouetteRounded: 0.588,
    });
    assert.deepEqual(trainingMetrics({ ...base, silhouette: null }), { k: 3, inertia: 12.5 });
  });
});
