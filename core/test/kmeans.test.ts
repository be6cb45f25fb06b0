import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kmeansSweep, KMeansInputError } from '../src/kmeans/sweep.ts';
import { kmeansPlusPlus } from '../src/kmeans/seeding.ts';
import { lloyd, toRows } from '../src/kmeans/lloyd.ts';
import { assign, type Points } from '../src/kmeans/points.ts';
import { createRng } from '../src/random/rng.ts';
import { hungarian } from '../src/personas/hungarian.ts';
import { REFERENCE_POINTS as X } from './support/reference-points.ts';

function standardised(): Points {
  const n = X.length;
  const values = new Float64Array(n * 2);
  for (let t = 0; t < 2; t++) {
    const col = X.map((r) => r[t]);
    const mean = col.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    col.forEach((v, i) => (values[i * 2 + t] = (v - mean) / std));
  }
  return { values, n, d: 2 };
}

function blobs(n: number, seed: number): Points {
  const rng = createRng(seed);
  const centres = [
    [0, 0, 0],
    [6, 0, 1],
    [0, 6, -1],
  ];
  const values = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const c = centres[i % 3];
    for (let t = 0; t < 3; t++) values[i * 3 + t] = c[t] + rng.normal() * 0.5;
  }
  return { values, n, d: 3 };
}

describe('k-means', () => {
  test('inertia per k matches scikit-learn on standardised data (core/test/reference/metrics.py)', async () => {
    const sweep = await kmeansSweep(standardised(), { kMin: 2, kMax: 4, nInit: 10, seed: 0, workers: 1 });
    const expected = new Map([
      [2, 10.560405635737178],
      [3, 0.2526527694390128],
      [4, 0.17525129844297377],
    ]);
    for (const [k, want] of expected) {
      const got = sweep.get(k)!.inertia;
      assert.ok(Math.abs(got - want) / want < 1e-9, `k=${k}: ${got} vs scikit-learn ${want}`);
    }
  });

  test('returned inertia is the sum of squared distances to the returned centroids', async () => {
    const pts = blobs(300, 1);
    const r = (await kmeansSweep(pts, { kMin: 3, kMax: 3, nInit: 3, seed: 1, workers: 1 })).get(3)!;
    const labels = new Int32Array(pts.n);
    assert.ok(Math.abs(assign(pts, r.centroids, 3, labels) - r.inertia) < 1e-9);
    assert.deepEqual(labels, r.labels);
    assert.equal(new Set(r.labels).size, 3);
  });

  test('a seed makes runs reproducible; worker threads give the same result as one thread', async () => {
    const pts = blobs(900, 2);
    const opts = { kMin: 2, kMax: 4, nInit: 3, seed: 11 };
    const a = await kmeansSweep(pts, { ...opts, workers: 1 });
    const b = await kmeansSweep(pts, { ...opts, workers: 1 });
    const threads = new Set<number>();
    const c = await kmeansSweep(pts, { ...opts, workers: 2, onProgress: (e) => threads.add(e.thread) });
    // Both workers ran restarts, and none ran in this thread (threadId 0): no silent fallback.
    assert.equal(threads.size, 2);
    assert.ok(!threads.has(0));
    for (const k of [2, 3, 4]) {
      assert.deepEqual(a.get(k)!.centroids, b.get(k)!.centroids);
      assert.deepEqual(a.get(k)!.centroids, c.get(k)!.centroids);
      assert.equal(a.get(k)!.inertia, c.get(k)!.inertia);
    }
  });

  test('reports progress once per restart', async () => {
    const events: number[] = [];
    await kmeansSweep(blobs(60, 3), {
      kMin: 2,
      kMax: 3,
      nInit: 4,
      seed: 0,
      workers: 1,
      onProgress: (e) => {
        assert.equal(e.total, 8);
        assert.ok(Number.isFinite(e.inertia));
        events.push(e.done);
      },
    });
    assert.deepEqual(events, [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('k larger than the rows or the distinct rows is a clear error', async () => {
    const pts: Points = { values: Float64Array.from([1, 1, 1, 1, 2, 2, 3, 3, 3, 3]), n: 5, d: 2 };
    await assert.rejects(kmeansSweep(pts, { kMin: 2, kMax: 6, nInit: 1, seed: 0 }), (err: unknown) => {
      assert.ok(err instanceof KMeansInputError);
      assert.match((err as Error).message, /k = 6 is larger than the number of rows \(5\)/);
      return true;
    });
    await assert.rejects(
      kmeansSweep(pts, { kMin: 2, kMax: 4, nInit: 1, seed: 0 }),
      /k = 4 is larger than the number of distinct rows \(3\)/,
    );
    await assert.rejects(kmeansSweep(pts, { kMin: 3, kMax: 2, nInit: 1, seed: 0 }), /invalid k range 3..2/);
    await assert.rejects(
      kmeansSweep(pts, { kMin: 2, kMax: 2, nInit: 0, seed: 0 }),
      /nInit must be a positive integer/,
    );
  });

  test('duplicate rows: k equal to the distinct rows puts one centroid on each, inertia 0', async () => {
    const pts: Points = { values: Float64Array.from([1, 1, 1, 1, 2, 2, 3, 3, 3, 3]), n: 5, d: 2 };
    const r = (await kmeansSweep(pts, { kMin: 3, kMax: 3, nInit: 2, seed: 5 })).get(3)!;
    assert.equal(r.inertia, 0);
    assert.equal(new Set(r.labels).size, 3);
    for (const v of r.centroids) assert.ok(Number.isFinite(v));
  });

  test('an empty cluster is moved to the farthest point instead of keeping a memberless centroid', () => {
    const pts: Points = { values: Float64Array.from([0, 1, 2, 10, 11, 12]), n: 6, d: 1 };
    // The third initial centroid is far from every point, so the first assignment leaves it empty.
    const r = lloyd(pts, toRows(pts), Float64Array.from([1, 11, 100]), 3, { tol: 0, maxIterations: 100 });
    assert.ok(r.relocations >= 1);
    assert.equal(new Set(r.labels).size, 3);
    for (const v of r.centroids) assert.ok(Number.isFinite(v) && v <= 12);
  });

  test('greedy k-means++ picks k distinct points of the data', () => {
    const pts = blobs(90, 4);
    const seeds = kmeansPlusPlus(pts, 3, createRng(1));
    const rows = new Set(
      Array.from({ length: pts.n }, (_, i) => pts.values.subarray(i * 3, i * 3 + 3).join(',')),
    );
    const picked = [0, 1, 2].map((c) => seeds.subarray(c * 3, c * 3 + 3).join(','));
    assert.equal(new Set(picked).size, 3);
    for (const p of picked) assert.ok(rows.has(p));
  });
});

describe('hungarian', () => {
  test('finds the minimum-cost assignment (checked by brute force)', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    // Brute force over the 6 permutations: [1,0,2] costs 1+2+2 = 5, the minimum.
    assert.deepEqual(hungarian(cost), [1, 0, 2]);
  });

  test('rectangular matrices leave the extra rows unassigned', () => {
    assert.deepEqual(hungarian([[1], [0], [5]]), [-1, 0, -1]);
    assert.deepEqual(
      hungarian([
        [9, 1, 9, 9],
        [1, 9, 9, 9],
      ]),
      [1, 0],
    );
  });

  test('random matrices agree with brute force', () => {
    const rng = createRng(3);
    const perms = (n: number): number[][] =>
      n === 0
        ? [[]]
        : perms(n - 1).flatMap((p) =>
            Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
          );
    for (let trial = 0; trial < 20; trial++) {
      const cost = Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => rng.next()));
      const best = Math.min(...perms(5).map((p) => p.reduce((s, j, i) => s + cost[i][j], 0)));
      const got = hungarian(cost).reduce((s, j, i) => s + cost[i][j], 0);
      assert.ok(Math.abs(got - best) < 1e-12);
    }
  });
});
