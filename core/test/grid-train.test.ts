// The sweep split into shares (the pods of an Indexed Job) and gathered: each task in exactly one
// share, and the gathered model equal to trainModel's bit for bit, whatever the split.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gridShare, sweepTasks } from '../src/kmeans/sweep.ts';
import { InputError } from '../src/data/input-error.ts';
import { sweepGridSize } from '../src/train/algorithm.ts';
import { fitShare, trainFromFits, type GridFit } from '../src/train/grid-train.ts';
import { type TrainSpec } from '../src/train/spec.ts';
import { trainModel } from '../src/train/train.ts';
import { generateSeedScenario } from '../src/synth/seed-scenario.ts';
import type { ModelArtifact } from '../src/artifact/types.ts';

const scenario = generateSeedScenario({ rowsPerMonth: 300, seed: 3 });
const january = scenario.months[0].table;

const spec: TrainSpec = {
  features: scenario.features,
  mode: 'fit',
  k: { min: 3, max: 6 },
  nInit: 3,
  seed: 11,
  personas: scenario.personas,
  workers: 1,
};

/** Every share fitted apart, the fits gathered as the registry returns them (by k, restart). */
async function gathered(count: number): Promise<ModelArtifact> {
  const fits: GridFit[] = [];
  for (let index = count - 1; index >= 0; index--) {
    const share = await fitShare(january, spec, { index, count });
    fits.push(...share.fits.map((f) => ({ ...f, dataHash: share.dataHash })));
  }
  fits.sort((a, b) => a.k - b.k || a.restart - b.restart);
  return trainFromFits(january, spec, fits);
}

/** What must not depend on the split: the personas and every metric. */
const model = (a: ModelArtifact) => ({ personas: a.personas, metrics: a.metrics, features: a.features });

describe('grid shares', () => {
  test('each task in exactly one share, shares within one task of each other', () => {
    const tasks = sweepTasks(2, 10, 10);
    for (const count of [1, 3, 7, 64, 90]) {
      const shares = Array.from({ length: count }, (_, i) => gridShare(tasks, i, count));
      const all = shares.flat().map((t) => `${t.k}/${t.restart}`);
      assert.equal(all.length, tasks.length, `count ${count}`);
      assert.equal(new Set(all).size, tasks.length, `count ${count}`);
      const sizes = shares.map((s) => s.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `count ${count}: ${sizes.join(',')}`);
    }
    // Interleaved: a share of a 3-way split holds small and large k alike.
    assert.deepEqual(
      gridShare(sweepTasks(2, 5, 2), 0, 3).map((t) => t.k),
      [2, 3, 5],
    );
  });

  test('more shares than tasks, or an index outside the shares, is refused', () => {
    const tasks = sweepTasks(2, 3, 2);
    assert.throws(() => gridShare(tasks, 0, 5), /grid of 4 tasks cannot be split into 5 shares/);
    assert.throws(() => gridShare(tasks, 3, 3), /share index 3 is outside 0..2/);
    assert.throws(() => gridShare(tasks, 0, 0), InputError);
  });

  test('the grid size: k values times restarts, one for pre-defined personas', () => {
    assert.equal(sweepGridSize({ mode: 'fit', k: { min: 2, max: 10 }, nInit: 10 }), 90);
    assert.equal(sweepGridSize({ mode: 'fit', k: { min: 4, max: 4 }, nInit: 3 }), 3);
    assert.equal(sweepGridSize({ mode: 'fixed', k: { min: 2, max: 10 }, nInit: 10 }), 1);
  });
});

describe('training in shares', () => {
  test('1 and 3 shares gathered give trainModel’s personas and metrics bit for bit', async () => {
    const whole = await trainModel(january, spec);
    const one = await gathered(1);
    const three = await gathered(3);
    assert.deepEqual(model(one), model(whole));
    assert.deepEqual(model(three), model(whole));
    assert.deepEqual(three.referenceStats, whole.referenceStats);
    assert.equal(three.training.dataHash, whole.training.dataHash);
    assert.equal(three.metrics.perK.length, 4);
  });

  test('a share skips the fits a previous attempt stored', async () => {
    const first = await fitShare(january, spec, { index: 1, count: 3 });
    assert.equal(first.fits.length, 4);
    const again = await fitShare(january, spec, { index: 1, count: 3 }, { done: first.fits.slice(0, 3) });
    assert.equal(again.fits.length, 1);
    assert.deepEqual(
      again.fits.map((f) => [f.k, f.restart, f.inertia]),
      first.fits.slice(3).map((f) => [f.k, f.restart, f.inertia]),
    );
  });

  test('fits made on other rows, or an incomplete grid, are not gathered', async () => {
    const share = await fitShare(january, spec, { index: 0, count: 1 });
    const fits = share.fits.map((f) => ({ ...f, dataHash: share.dataHash }));
    fits[2] = { ...fits[2], dataHash: 'f00d' };
    await assert.rejects(
      trainFromFits(january, spec, fits),
      (err: Error) =>
        err instanceof InputError && /other rows \(data hash f00d\).*ORDER BY/.test(err.message),
    );
    const complete = share.fits.map((f) => ({ ...f, dataHash: share.dataHash }));
    await assert.rejects(trainFromFits(january, spec, complete.slice(1)), /11 fits for a grid of 12/);
  });

  test('pre-defined personas are no grid to split', async () => {
    await assert.rejects(
      fitShare(january, { ...spec, mode: 'fixed' }, { index: 0, count: 2 }),
      /mode "fixed" fits no k-means grid/,
    );
  });
});
