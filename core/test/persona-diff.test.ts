import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureEncoding, ModelArtifact, RawValue } from '../src/artifact/types.ts';
import { adjustedRandIndex } from '../src/cluster-metrics/rand-index.ts';
import { decodePoint } from '../src/encoding/encoding.ts';
import {
  personaChanges,
  personaDiff,
  PersonaDiffError,
  PersonaDiffSchema,
  summarizeDiff,
} from '../src/personas/diff.ts';
import { Value } from 'typebox/value';
import { fixtureArtifact } from './support/fixture-artifact.ts';
import { REFERENCE } from './reference/persona_diff_values.ts';

// Reference values: core/test/reference/persona_diff_reference.py (scikit-learn's
// adjusted_rand_score, scipy's linear_sum_assignment, numpy nearest centroids).

function close(actual: number | null, expected: number, tol = 1e-12): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${actual} != ${expected}`,
  );
}

function contingency(a: readonly number[], b: readonly number[]): number[][] {
  const ka = Math.max(...a) + 1;
  const kb = Math.max(...b) + 1;
  const counts = Array.from({ length: ka }, () => new Array<number>(kb).fill(0));
  a.forEach((x, i) => counts[x][b[i]]++);
  return counts;
}

interface ReferenceModel {
  features: FeatureEncoding[];
  personas: { name: string; scaled: number[] }[];
}

function artifactOf(model: ReferenceModel, rows: RawValue[][]): ModelArtifact {
  const base = fixtureArtifact();
  return {
    ...base,
    features: model.features,
    personas: model.personas.map((p, id) => ({
      id,
      name: p.name,
      scaled: p.scaled,
      centroid: decodePoint(p.scaled, model.features),
    })),
    reference: { columns: model.features.map((f) => f.name), rows },
  };
}

describe('adjusted Rand index', () => {
  for (const c of REFERENCE.ari) {
    test(`matches scikit-learn: ${c.name}`, () => {
      close(adjustedRandIndex(contingency(c.a, c.b)), c.value);
    });
  }
});

describe('persona diff against the reference computation', () => {
  for (const s of REFERENCE.diffs) {
    test(s.name, () => {
      const rows = (REFERENCE.samples as Record<string, RawValue[][]>)[s.rows];
      const older = artifactOf(s.older as ReferenceModel, rows);
      const newer = artifactOf(s.newer as ReferenceModel, rows);
      const diff = personaDiff(
        { version: 1, artifact: older },
        { version: 2, artifact: newer },
        { source: 'training', columns: newer.reference.columns, rows },
      );
      assert.ok(Value.Check(PersonaDiffSchema, diff), 'the diff matches its schema');
      const want = s.expected;
      assert.deepEqual(
        diff.matched.map((m) => [m.from, m.to]),
        want.matched.map((m) => [m.from, m.to]),
      );
      diff.matched.forEach((m, i) => close(m.distance, want.matched[i].distance));
      assert.deepEqual(diff.new, want.new);
      assert.deepEqual(diff.retired, want.retired);
      assert.deepEqual(
        diff.split.map((x) => ({ persona: x.persona, into: x.into.map((y) => y.persona) })),
        want.split,
      );
      assert.deepEqual(
        diff.merged.map((x) => ({ persona: x.persona, from: x.from.map((y) => y.persona) })),
        want.merged,
      );
      close(diff.churn, want.churn);
      close(diff.adjustedRandIndex, want.adjustedRandIndex);
      diff.mix.from.forEach((m, i) => close(m.share, want.mixFrom[i]));
      diff.mix.to.forEach((m, i) => close(m.share, want.mixTo[i]));
      assert.equal(diff.sample.rows, rows.length);
      assert.equal(diff.sample.skipped, 0);
    });
  }

  test('the scenarios cover a quiet retrain, a merge and a split', () => {
    const [shifted, merged, split] = REFERENCE.diffs.map((s) => s.expected);
    assert.equal(shifted.matched.length, 3);
    assert.ok(shifted.churn > 0 && shifted.churn < 0.2, `shifted churn ${shifted.churn}`);
    assert.deepEqual(merged.merged, [{ persona: 'Comfortable', from: ['Comfortable', 'Affluent'] }]);
    assert.equal(split.split.length, 1);
  });
});

describe('persona diff', () => {
  const artifact = fixtureArtifact();
  const sample = { source: 'training' as const, ...artifact.reference };

  test('a version against itself: everything matched, no churn, ARI 1', () => {
    const diff = personaDiff({ version: 1, artifact }, { version: 1, artifact }, sample);
    assert.equal(diff.churn, 0);
    assert.equal(diff.adjustedRandIndex, 1);
    assert.deepEqual(personaChanges(diff), []);
    assert.deepEqual(diff.matched[0].shift, { age: 0, channel: 0, income: 0 });
    assert.match(summarizeDiff(diff), /churn 0\.0% of 2 training rows, ARI 1\.000.*no new, retired/);
  });

  test("shift is per feature, in the newer version's standard deviations", () => {
    const newer = fixtureArtifact();
    newer.features[0] = { name: 'age', type: 'numeric', mean: 40, std: 20, scale: 20 };
    // Young Web moves from age 30 to 35: (35 - 40) / 20 - (30 - 40) / 20 = 0.25.
    newer.personas[0].scaled = [-0.25, 1, 0, 0];
    newer.personas[1].scaled = [0.5, 0, 1, 0];
    const diff = personaDiff({ version: 1, artifact }, { version: 2, artifact: newer }, sample);
    close(diff.matched[0].shift.age, 0.25);
    close(diff.matched[1].shift.age, 0);
  });

  test('a centroid that moved nearer another production persona is a retired and a new persona', () => {
    const newer = fixtureArtifact();
    // Older Store's successor sits nearer Young Web's centroid than its own: not the same persona.
    newer.personas[1] = { ...newer.personas[1], name: 'Elsewhere', scaled: [-1, 0.6, 0.4, 0] };
    newer.personas[0] = { ...newer.personas[0], scaled: [-3, 1, 0, 0] };
    const diff = personaDiff({ version: 1, artifact }, { version: 2, artifact: newer }, sample);
    assert.deepEqual(diff.retired, ['Older Store']);
    assert.deepEqual(diff.new, ['Elsewhere']);
    assert.deepEqual(personaChanges(diff), ['new Elsewhere', 'retired Older Store']);
    // The Older Store row has no matched persona; the Young Web row now lands in Elsewhere.
    assert.equal(diff.churn, 1);
  });

  test('rows a version cannot score are skipped and counted', () => {
    const diff = personaDiff(
      { version: 1, artifact },
      { version: 2, artifact },
      {
        ...sample,
        rows: [...sample.rows, [30, 'phone', 5]],
      },
    );
    assert.equal(diff.sample.rows, 2);
    assert.equal(diff.sample.skipped, 1);
  });

  test('no sample rows: churn and ARI are null, not 0', () => {
    const diff = personaDiff({ version: 1, artifact }, { version: 2, artifact }, { ...sample, rows: [] });
    assert.equal(diff.churn, null);
    assert.equal(diff.adjustedRandIndex, null);
    assert.match(summarizeDiff(diff), /no sample rows/);
  });

  test('different features or a sample without a feature: a PersonaDiffError naming it', () => {
    const newer = fixtureArtifact();
    newer.features[1] = { name: 'region', type: 'categorical', categories: ['web', 'store'] };
    assert.throws(
      () => personaDiff({ version: 1, artifact }, { version: 2, artifact: newer }, sample),
      (e: unknown) => e instanceof PersonaDiffError && /different features.*channel/.test(e.message),
    );
    assert.throws(
      () =>
        personaDiff(
          { version: 1, artifact },
          { version: 2, artifact },
          {
            ...sample,
            columns: ['age', 'channel', 'salary'],
          },
        ),
      /no column "income"/,
    );
  });
});
