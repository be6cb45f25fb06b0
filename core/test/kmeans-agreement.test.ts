// The training sweep agrees with scikit-learn on data where k-means has real choices to make:
// 2000 rows of four overlapping blobs (values from reference/overlapping_blobs.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type TrainSpec } from '../src/train/spec.ts';
import { trainModel } from '../src/train/train.ts';
import { SKLEARN_OVERLAPPING_BLOBS as SK } from './reference/overlapping_blobs_values.ts';
import { overlappingBlobs } from './support/overlapping-blobs.ts';

const table = overlappingBlobs();
const spec = (silhouetteSampleSize: number): TrainSpec => ({
  features: table.columns.map((c) => ({ name: c.name, type: 'numeric' })),
  mode: 'fit',
  k: { min: 2, max: 5 },
  nInit: 10,
  seed: 0,
  silhouetteSampleSize,
});

test('inertia per k is within 0.1 % of scikit-learn, and the exact silhouette matches', async () => {
  const artifact = await trainModel(table, spec(SK.rows));
  for (const ref of SK.perK) {
    const ours = artifact.metrics.perK.find((m) => m.k === ref.k)!;
    const rel = Math.abs(ours.inertia - ref.inertia) / ref.inertia;
    assert.ok(rel <= 1e-3, `k=${ref.k}: inertia ${ours.inertia} vs scikit-learn ${ref.inertia}`);
    assert.ok(
      Math.abs(ours.silhouette! - ref.silhouette) <= 1e-3,
      `k=${ref.k}: silhouette ${ours.silhouette} vs scikit-learn ${ref.silhouette}`,
    );
  }
});

test("a sampled silhouette lies within scikit-learn's sampling spread", async () => {
  const artifact = await trainModel(table, spec(SK.sample));
  for (const ref of SK.perK) {
    const ours = artifact.metrics.perK.find((m) => m.k === ref.k)!.silhouette!;
    // Another sample of 500 rows than scikit-learn's: 4 standard deviations of its draws.
    const bound = 4 * ref.sampledSilhouetteSd;
    assert.ok(
      Math.abs(ours - ref.sampledSilhouetteMean) <= bound,
      `k=${ref.k}: sampled silhouette ${ours} vs scikit-learn ${ref.sampledSilhouetteMean} ± ${bound}`,
    );
  }
});
