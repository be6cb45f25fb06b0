// Mini-batch k-means (Sculley 2010) as scikit-learn's MiniBatchKMeans runs it: each batch is
// assigned to the nearest centres, and each centre moves to the running mean of every row it has
// absorbed (a per-centre learning rate of 1 / count). A centre that absorbs almost nothing is
// moved onto a random row of the batch, and a k stops when the exponentially smoothed batch
// inertia has not improved for `maxNoImprovement` batches. The rows come from the caller batch
// by batch, so they never need to be in memory together.
import type { Rng } from '../random/rng.ts';
import { assign, type Points } from './points.ts';

export interface MiniBatchOptions {
  /** Rows in the whole data: the smoothing of the convergence test depends on it, as in scikit-learn. */
  rows: number;
  batchSize: number;
  /** scikit-learn's max_no_improvement (10). */
  maxNoImprovement: number;
  /** scikit-learn's reassignment_ratio (0.01): centres with less than this share of the largest count move. */
  reassignmentRatio: number;
}

export const MINIBATCH_DEFAULTS = { maxNoImprovement: 10, reassignmentRatio: 0.01 } as const;

export class MiniBatchKMeans {
  readonly centroids: Float64Array;
  /** Rows each centre has absorbed (scikit-learn's weight sums). */
  readonly counts: Float64Array;
  steps = 0;
  reassignments = 0;
  converged = false;
  private ewa: number | undefined;
  private ewaMin: number | undefined;
  private noImprovement = 0;
  private sinceReassign = 0;
  private readonly labels: Int32Array;
  private readonly sums: Float64Array;
  private readonly batchCounts: Int32Array;

  constructor(
    readonly k: number,
    readonly d: number,
    init: Float64Array,
    private readonly opts: MiniBatchOptions,
    private readonly rng: Rng,
  ) {
    this.centroids = Float64Array.from(init);
    this.counts = new Float64Array(k);
    this.labels = new Int32Array(opts.batchSize);
    this.sums = new Float64Array(k * d);
    this.batchCounts = new Int32Array(k);
  }

  /** One step on a batch of at most batchSize rows; returns whether this k has converged. */
  step(batch: Points): boolean {
    const { k, d, centroids, counts, sums, batchCounts } = this;
    const { values, n } = batch;
    const reassign = this.dueForReassignment();
    const labels = this.labels.subarray(0, n);
    const inertia = assign(batch, centroids, k, labels);
    sums.fill(0);
    batchCounts.fill(0);
    for (let i = 0; i < n; i++) {
      const cb = labels[i] * d;
      batchCounts[labels[i]]++;
      for (let t = 0; t < d; t++) sums[cb + t] += values[i * d + t];
    }
    for (let c = 0; c < k; c++) {
      const m = batchCounts[c];
      if (m === 0) continue;
      const total = counts[c] + m;
      for (let t = 0; t < d; t++)
        centroids[c * d + t] = (centroids[c * d + t] * counts[c] + sums[c * d + t]) / total;
      counts[c] = total;
    }
    if (reassign) this.reassignSmall(batch);
    this.converged = this.convergence(inertia / n);
    return this.converged;
  }

  /** Every 10 * k rows, or at once while a centre is still empty (scikit-learn's _random_reassign). */
  private dueForReassignment(): boolean {
    this.sinceReassign += this.opts.batchSize;
    if (this.counts.includes(0) || this.sinceReassign >= 10 * this.k) {
      this.sinceReassign = 0;
      return true;
    }
    return false;
  }

  private reassignSmall(batch: Points): void {
    const { k, d, counts, centroids } = this;
    const max = counts.reduce((a, b) => Math.max(a, b), 0);
    let small: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] < this.opts.reassignmentRatio * max) small.push(c);
    if (small.length === 0) return;
    // At most half a batch of centres move: the ones with the fewest rows.
    const limit = Math.floor(0.5 * batch.n);
    if (small.length > limit) small = small.sort((a, b) => counts[a] - counts[b]).slice(0, limit);
    const moving = new Set(small);
    let floor = Infinity;
    for (let c = 0; c < k; c++) if (!moving.has(c)) floor = Math.min(floor, counts[c]);
    // Distinct batch rows, uniformly (partial Fisher-Yates over the row indices).
    const idx = Int32Array.from({ length: batch.n }, (_, i) => i);
    small.forEach((c, j) => {
      const r = j + this.rng.int(batch.n - j);
      [idx[j], idx[r]] = [idx[r], idx[j]];
      centroids.set(batch.values.subarray(idx[j] * d, idx[j] * d + d), c * d);
      // Not so small that the centre moves again at once.
      counts[c] = floor;
    });
    this.reassignments += small.length;
  }

  /** scikit-learn's _mini_batch_convergence without the centre-shift test (its tol is 0 by default). */
  private convergence(batchInertia: number): boolean {
    this.steps++;
    if (this.steps === 1) return false;
    if (this.ewa === undefined) this.ewa = batchInertia;
    else {
      const alpha = Math.min(1, (this.opts.batchSize * 2) / (this.opts.rows + 1));
      this.ewa = this.ewa * (1 - alpha) + batchInertia * alpha;
    }
    if (this.ewaMin === undefined || this.ewa < this.ewaMin) {
      this.noImprovement = 0;
      this.ewaMin = this.ewa;
    } else this.noImprovement++;
    return this.noImprovement >= this.opts.maxNoImprovement;
  }
}

/**
 * Cuts a stream of encoded rows into batches of exactly `size` rows (the remainder waits for the
 * next rows), calling `step` with each; the batch buffer is reused.
 */
export class Batcher {
  private readonly buffer: Float64Array;
  private fill = 0;

  constructor(
    private readonly size: number,
    private readonly d: number,
    private readonly step: (batch: Points) => boolean,
  ) {
    this.buffer = new Float64Array(size * d);
  }

  /** Feeds rows; returns true as soon as `step` asks to stop (the rest of `points` is dropped). */
  push(points: Points): boolean {
    const { d, size, buffer } = this;
    for (let i = 0; i < points.n; i++) {
      buffer.set(points.values.subarray(i * d, i * d + d), this.fill * d);
      if (++this.fill === size) {
        this.fill = 0;
        if (this.step({ values: buffer, n: size, d })) return true;
      }
    }
    return false;
  }
}
