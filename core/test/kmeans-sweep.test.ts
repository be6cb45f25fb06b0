// The sweep as a list of independent (k, restart) tasks, the sample-refined seeding of large
// inputs, and the pool's silhouette pass.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { silhouetteScores } from '../src/cluster-metrics/silhouette.ts';
import { initialCentroids, usesSample, type InitOptions } from '../src/kmeans/init.ts';
import { toRows } from '../src/kmeans/lloyd.ts';
import { samplePoints, type Points } from '../src/kmeans/points.ts';
import { openPool } from '../src/kmeans/pool.ts';
import { runRestart } from '../src/kmeans/restart.ts';
import { bestPerK, kmeansSweep, restartSettings, sweepTasks } from '../src/kmeans/sweep.ts';
import { createRng } from '../src/random/rng.ts';

/** Five Gaussian blobs in 4 dimensions, two of them close together, so k-means has choices. */
function blobs(n: number, seed: number): Points {
  const rng = createRng(seed);
  const centres = [
    [0, 0, 0, 0],
    [5, 0, 1, 0],
    [0, 5, -1, 2],
    [5, 5, 0, -2],
    [1.5, 1, 0, 0],
  ];
  const values = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const c = centres[i % centres.length];
    for (let t = 0; t < 4; t++) values[i * 4 + t] = c[t] + rng.normal() * 0.8;
  }
  return { values, n, d: 4 };
}

// A small sample so that a test-sized input takes the sampled path.
const SAMPLED: InitOptions = { sampleSize: 400, candidates: 3 };

describe('sample-refined seeding', () => {
  test('samplePoints takes distinct rows of the data, reproducibly', () => {
    const pts = blobs(1000, 1);
    const a = samplePoints(pts, 100, createRng(3));
    const b = samplePoints(pts, 100, createRng(3));
    assert.equal(a.n, 100);
    assert.deepEqual(a.values, b.values);
    const rows = new Set(
      Array.from({ length: pts.n }, (_, i) => pts.values.subarray(i * 4, i * 4 + 4).join()),
    );
    const picked = new Set(Array.from({ length: a.n }, (_, i) => a.values.subarray(i * 4, i * 4 + 4).join()));
    assert.equal(picked.size, 100);
    for (const r of picked) assert.ok(rows.has(r));
  });

  test('is used from twice the sample size up; below it the seeds are k-means++ on all rows', () => {
    assert.equal(usesSample(799, SAMPLED), false);
    assert.equal(usesSample(800, SAMPLED), true);
    const small = blobs(500, 2);
    const settings = restartSettings(small, { seed: 0, init: SAMPLED });
    const r = runRestart(small, toRows(small), { k: 3, restart: 0 }, settings);
    assert.equal(r.sampleIterations, 0);
  });

  test('starts Lloyd next to an optimum: fewer full passes, an inertia at least as low', async () => {
    const pts = blobs(6000, 3);
    const plain = await kmeansSweep(pts, {
      kMin: 2,
      kMax: 6,
      nInit: 4,
      seed: 1,
      workers: 1,
      init: { sampleSize: 0, candidates: 1 },
    });
    let fullIterations = 0;
    let plainIterations = 0;
    let sampleIterations = 0;
    const sampled = await kmeansSweep(pts, {
      kMin: 2,
      kMax: 6,
      nInit: 4,
      seed: 1,
      workers: 1,
      init: SAMPLED,
      onProgress: (e) => {
        fullIterations += e.iterations;
        sampleIterations += e.sampleIterations;
      },
    });
    await kmeansSweep(pts, {
      kMin: 2,
      kMax: 6,
      nInit: 4,
      seed: 1,
      workers: 1,
      init: { sampleSize: 0, candidates: 1 },
      onProgress: (e) => (plainIterations += e.iterations),
    });
    assert.ok(sampleIterations > 0);
    assert.ok(
      fullIterations < plainIterations,
      `${fullIterations} full passes vs ${plainIterations} without a sample`,
    );
    for (const [k, p] of plain) {
      const s = sampled.get(k)!;
      assert.ok(s.inertia <= p.inertia * (1 + 1e-3), `k=${k}: ${s.inertia} vs ${p.inertia} without a sample`);
    }
  });

  test('the initial centroids are the best candidate on the sample, reproducibly', () => {
    const pts = blobs(2000, 4);
    const settings = restartSettings(pts, { seed: 0, init: SAMPLED });
    const a = initialCentroids(pts, 4, createRng(9), SAMPLED, settings.lloyd);
    const b = initialCentroids(pts, 4, createRng(9), SAMPLED, settings.lloyd);
    assert.deepEqual(a.centroids, b.centroids);
    assert.ok(a.sampleIterations >= SAMPLED.candidates);
    for (const v of a.centroids) assert.ok(Number.isFinite(v));
  });
});

describe('sweep tasks', () => {
  test('every (k, restart) pair once', () => {
    assert.deepEqual(sweepTasks(2, 3, 2), [
      { k: 2, restart: 0 },
      { k: 2, restart: 1 },
      { k: 3, restart: 0 },
      { k: 3, restart: 1 },
    ]);
  });

  test('subsets of the tasks run apart and gathered give the whole sweep, bit for bit', async () => {
    const pts = blobs(2000, 5);
    const opts = { kMin: 2, kMax: 5, nInit: 3, seed: 7, init: SAMPLED };
    const whole = await kmeansSweep(pts, { ...opts, workers: 1 });
    const tasks = sweepTasks(opts.kMin, opts.kMax, opts.nInit);
    const settings = restartSettings(pts, opts);
    // Two "processes": every other task each, on separate pools, results gathered out of order.
    const parts = await Promise.all(
      [0, 1].map(async (part) => {
        const pool = openPool(pts, 1);
        try {
          return await pool.restarts(
            tasks.filter((_, i) => i % 2 === part),
            settings,
          );
        } finally {
          await pool.close();
        }
      }),
    );
    const gathered = bestPerK([...parts[1], ...parts[0]].reverse());
    assert.deepEqual([...gathered.keys()], [2, 3, 4, 5]);
    for (const [k, r] of whole) {
      const g = gathered.get(k)!;
      assert.equal(g.restart, r.restart);
      assert.equal(g.inertia, r.inertia);
      assert.deepEqual(g.centroids, r.centroids);
      assert.deepEqual(g.labels, r.labels);
    }
  });
});

describe('pool silhouettes', () => {
  test('equal silhouetteScores, and are the same bit for bit on worker threads and in-thread', async () => {
    const pts = blobs(3000, 6);
    const sweep = await kmeansSweep(pts, { kMin: 2, kMax: 4, nInit: 2, seed: 0, workers: 1 });
    const labelings = [...sweep.values()].map((r) => ({ labels: r.labels, k: r.k }));
    const opts = { sampleSize: 1000, seed: 3 };
    const expected = silhouetteScores(pts, labelings, opts);
    const results: (number | null)[][] = [];
    for (const workers of [1, 2]) {
      const pool = openPool(pts, workers);
      try {
        assert.equal(pool.workers, workers === 1 ? 0 : 2);
        results.push(await pool.silhouettes(labelings, opts));
      } finally {
        await pool.close();
      }
    }
    assert.deepEqual(results[0], results[1]);
    results[0].forEach((s, i) => assert.ok(Math.abs(s! - expected[i]!) < 1e-12, `${s} vs ${expected[i]}`));
  });
});
