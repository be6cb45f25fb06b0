import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promotionGate } from '../../../src/controllers/personamodel/promotion.ts';

const auto = { policy: 'Automatic' as const, minSilhouette: 0.25, requireImprovement: true, tolerance: 0.01 };

describe('promotion gate', () => {
  test('the first version above the minimum is promoted', () => {
    const d = promotionGate({ version: 1, silhouette: 0.4 }, undefined, auto);
    assert.equal(d.decision, 'Promoted');
    assert.match(d.reason, /no production version yet/);
  });

  test('a score below minSilhouette is refused with both numbers in the reason', () => {
    const d = promotionGate({ version: 2, silhouette: 0.1 }, undefined, auto);
    assert.deepEqual(d, {
      decision: 'Refused',
      reason: 'version 2 silhouette 0.1 is below minSilhouette 0.25',
    });
  });

  test('a worse model than production beyond the tolerance is refused', () => {
    const d = promotionGate({ version: 3, silhouette: 0.38 }, { version: 2, silhouette: 0.4 }, auto);
    assert.equal(d.decision, 'Refused');
    assert.match(d.reason, /worse than production version 2's 0.4 minus tolerance 0.01/);
  });

  test('a slightly worse model within the tolerance is promoted', () => {
    assert.equal(
      promotionGate({ version: 3, silhouette: 0.395 }, { version: 2, silhouette: 0.4 }, auto).decision,
      'Promoted',
    );
  });

  test('requireImprovement false only checks the minimum', () => {
    const d = promotionGate(
      { version: 3, silhouette: 0.3 },
      { version: 2, silhouette: 0.9 },
      { ...auto, requireImprovement: false },
    );
    assert.equal(d.decision, 'Promoted');
  });

  test('Manual policy waits for spec.serving.version', () => {
    const d = promotionGate({ version: 4, silhouette: 0.9 }, undefined, { ...auto, policy: 'Manual' });
    assert.deepEqual(d, {
      decision: 'AwaitingManual',
      reason: 'policy Manual: set spec.serving.version to 4 to serve it',
    });
  });

  test('a missing score is refused, never promoted by accident', () => {
    assert.equal(promotionGate({ version: 5, silhouette: null }, undefined, auto).decision, 'Refused');
  });

  test('the production version itself is already promoted', () => {
    assert.equal(
      promotionGate({ version: 2, silhouette: 0.1 }, { version: 2, silhouette: 0.1 }, auto).decision,
      'Promoted',
    );
  });
});
