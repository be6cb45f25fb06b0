import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersonaDiff } from '@persona-operator/core/personas/diff';
import { promotionGate } from '../../../src/controllers/personamodel/promotion.ts';
import { personaDiffStatus } from '../../../src/controllers/personamodel/promotion-step.ts';

const auto = {
  policy: 'Automatic' as const,
  minSilhouette: 0.25,
  requireImprovement: true,
  tolerance: 0.01,
  maxPersonaChurn: 1,
  allowPersonaChanges: true,
};

/** A diff of version 3 against production version 2 with the given churn and changes. */
function diffOf(churn: number | null, changes: Partial<PersonaDiff> = {}): PersonaDiff {
  return {
    fromVersion: 2,
    toVersion: 3,
    matched: [{ from: 'A', to: 'A', distance: 0.2, shift: { age: 0.2 } }],
    new: [],
    retired: [],
    split: [],
    merged: [],
    sample: { source: 'training', rows: churn === null ? 0 : 400, skipped: 0 },
    churn,
    adjustedRandIndex: churn === null ? null : 0.8,
    mix: { from: [{ persona: 'A', share: 1 }], to: [{ persona: 'A', share: 1 }] },
    ...changes,
  };
}
const merge: Partial<PersonaDiff> = {
  retired: ['B'],
  merged: [
    {
      persona: 'A',
      from: [
        { persona: 'A', share: 0.9 },
        { persona: 'B', share: 0.8 },
      ],
    },
  ],
};
const v3 = { version: 3, silhouette: 0.5 };
const v2 = { version: 2, silhouette: 0.5 };

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

  test('the default stability rules let any churn and persona change through, as before', () => {
    const d = promotionGate(v3, v2, auto, diffOf(0.9, merge));
    assert.deepEqual(d, {
      decision: 'Promoted',
      reason:
        "version 3 silhouette 0.5 >= minSilhouette 0.25 and >= production version 2's 0.5 minus tolerance 0.01",
    });
  });

  test('churn above maxPersonaChurn is refused with both figures and by how much', () => {
    const d = promotionGate(v3, v2, { ...auto, maxPersonaChurn: 0.1 }, diffOf(0.125));
    assert.deepEqual(d, {
      decision: 'Refused',
      reason: 'version 3 churn 12.5% of 400 rows is above maxPersonaChurn 10% by 2.5 percentage points',
    });
  });

  test('churn at or below maxPersonaChurn is promoted, the reason saying so', () => {
    const d = promotionGate(v3, v2, { ...auto, maxPersonaChurn: 0.1 }, diffOf(0.1));
    assert.equal(d.decision, 'Promoted');
    assert.match(d.reason, /; churn 10% <= maxPersonaChurn 10%$/);
  });

  test('a merge is refused under allowPersonaChanges: false, naming the personas', () => {
    const d = promotionGate(v3, v2, { ...auto, allowPersonaChanges: false }, diffOf(0.05, merge));
    assert.deepEqual(d, {
      decision: 'Refused',
      reason:
        'version 3 changes personas against production version 2 (retired B; merged A, B into A) and allowPersonaChanges is false',
    });
    const same = promotionGate(v3, v2, { ...auto, allowPersonaChanges: false }, diffOf(0.05));
    assert.equal(same.decision, 'Promoted');
    assert.match(same.reason, /; no persona changes$/);
  });

  test('new, retired and split personas are persona changes too', () => {
    for (const change of [
      { new: ['C'] },
      { retired: ['A'] },
      {
        split: [
          {
            persona: 'A',
            into: [
              { persona: 'A', share: 0.5 },
              { persona: 'C', share: 0.4 },
            ],
          },
        ],
      },
    ]) {
      const d = promotionGate(v3, v2, { ...auto, allowPersonaChanges: false }, diffOf(0, change));
      assert.equal(d.decision, 'Refused', JSON.stringify(change));
    }
  });

  test('with a stability rule set, a missing diff or an unmeasurable churn is refused, never promoted by accident', () => {
    const none = promotionGate(v3, v2, { ...auto, maxPersonaChurn: 0.2 });
    assert.equal(none.decision, 'Refused');
    assert.match(none.reason, /no persona diff against production version 2/);
    const empty = promotionGate(v3, v2, { ...auto, maxPersonaChurn: 0.2 }, diffOf(null));
    assert.equal(empty.decision, 'Refused');
    assert.match(empty.reason, /no sample rows to measure churn/);
  });

  test('the silhouette gate speaks first; the first version has nothing to be stable against', () => {
    const low = promotionGate(
      { version: 3, silhouette: 0.1 },
      v2,
      { ...auto, maxPersonaChurn: 0 },
      diffOf(0.5),
    );
    assert.match(low.reason, /below minSilhouette/);
    assert.equal(
      promotionGate({ version: 1, silhouette: 0.5 }, undefined, { ...auto, maxPersonaChurn: 0 }).decision,
      'Promoted',
    );
  });

  test('Manual policy shows the diff and what the stability rules would say', () => {
    const d = promotionGate(v3, v2, { ...auto, policy: 'Manual', maxPersonaChurn: 0.1 }, diffOf(0.3, merge));
    assert.equal(d.decision, 'AwaitingManual');
    assert.match(
      d.reason,
      /^policy Manual: set spec.serving.version to 3 to serve it; version 3 vs 2: churn 30\.0% of 400 training rows, ARI 0\.800, .*merged A, B into A; the stability rules would refuse it: version 3 churn 30% .* above maxPersonaChurn 10% by 20 percentage points$/,
    );
  });

  test("status carries a short, rounded summary of the candidate's diff", () => {
    assert.deepEqual(personaDiffStatus(diffOf(0.12345, merge)), {
      fromVersion: 2,
      churn: '12.3%',
      adjustedRandIndex: '0.800',
      changes: ['retired B', 'merged A, B into A'],
      summary:
        'version 3 vs 2: churn 12.3% of 400 training rows, ARI 0.800, largest centroid shift 0.20 (A), retired B; merged A, B into A',
    });
  });
});
