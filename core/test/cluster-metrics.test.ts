import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { silhouetteScore, silhouetteScores } from '../src/cluster-metrics/silhouette.ts';
import { calinskiHarabasz, daviesBouldin } from '../src/cluster-metrics/separation.ts';
import type { Points } from '../src/kmeans/points.ts';
import { REFERENCE_POINTS as X } from './support/reference-points.ts';

// Reference values: core/test/reference/metrics.py (scikit-learn 1.2).
const points: Points = { values: Float64Array.from(X.flat()), n: X.length, d: 2 };
const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2]);
const withSingleton = Int32Array.from([0, 0, 0, 0, 1, 1, 3, 2, 2, 2, 2, 2]);

function close(actual: number | null, expected: number, tol = 1e-12): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `${actual} != ${expected}`,
  );
}

describe('silhouette', () => {
  test('hand-worked: points 0, 1 | 4, 5 on a line', () => {
    // s(0) = 1 - 1/4.5, s(1) = 1 - 1/3.5, symmetric for 4 and 5.
    const line: Points = { values: Float64Array.from([0, 1, 4, 5]), n: 4, d: 1 };
    const expected = (2 * (1 - 1 / 4.5) + 2 * (1 - 1 / 3.5)) / 4;
    close(silhouetteScore(line, Int32Array.from([0, 0, 1, 1]), 2), expected);
  });

  test('matches scikit-learn, including a singleton cluster scored 0', () => {
    close(silhouetteScore(points, labels, 3), 0.909588579590446);
    close(silhouetteScore(points, withSingleton, 4), 0.750497799348523);
  });

  test('several labelings in one pass equal separate passes', () => {
    const many = silhouetteScores(points, [
      { labels, k: 3 },
      { labels: withSingleton, k: 4 },
    ]);
    close(many[0], 0.909588579590446);
    close(many[1], 0.750497799348523);
  });

  test('undefined (null) for one cluster or one point per cluster', () => {
    assert.equal(silhouetteScore(points, new Int32Array(12), 1), null);
    assert.equal(
      silhouetteScore(
        points,
        Int32Array.from({ length: 12 }, (_, i) => i),
        12,
      ),
      null,
    );
  });

  test('sampling: exact when the sample covers the data, seeded and reproducible below it', () => {
    close(silhouetteScore(points, labels, 3, { sampleSize: 12, seed: 1 }), 0.909588579590446);
    const a = silhouetteScore(points, labels, 3, { sampleSize: 8, seed: 7 });
    const b = silhouetteScore(points, labels, 3, { sampleSize: 8, seed: 7 });
    assert.equal(a, b);
    assert.notEqual(a, silhouetteScore(points, labels, 3));
  });
});

describe('Calinski-Harabasz and Davies-Bouldin', () => {
  test('match scikit-learn', () => {
    close(calinskiHarabasz(points, labels, 3), 428.6755940394684, 1e-10);
    close(daviesBouldin(points, labels, 3), 0.11957561529500617);
    close(calinskiHarabasz(points, withSingleton, 4), 365.12201064307243, 1e-10);
    close(daviesBouldin(points, withSingleton, 4), 0.21043452426448428);
  });

  test('labels with an unused id count only the clusters present', () => {
    const gap = Int32Array.from(labels, (l) => (l === 2 ? 4 : l));
    close(calinskiHarabasz(points, gap, 5), 428.6755940394684, 1e-10);
    close(daviesBouldin(points, gap, 5), 0.11957561529500617);
  });

  test('null for a single cluster; degenerate clusterings as scikit-learn', () => {
    assert.equal(calinskiHarabasz(points, new Int32Array(12), 1), null);
    assert.equal(daviesBouldin(points, new Int32Array(12), 1), null);
    const dup: Points = { values: Float64Array.from([0, 0, 0, 1, 1, 1]), n: 6, d: 1 };
    const l = Int32Array.from([0, 0, 0, 1, 1, 1]);
    assert.equal(calinskiHarabasz(dup, l, 2), 1);
    assert.equal(daviesBouldin(dup, l, 2), 0);
  });
});
