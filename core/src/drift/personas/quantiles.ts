// The stored distance distribution: quantiles on a fixed grid of probabilities (every 0.1 %),
// as numpy.quantile's default (linear) method computes them, and the two ways a drift check
// reads the grid back: the quantile at any probability and the share of rows below a value.
import { DISTANCE_QUANTILE_POINTS } from '../../artifact/types.ts';

/** numpy's _lerp: from the nearer end, so the result is exact at t = 0 and t = 1. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.quantile(sorted, i / (points - 1)) for every i, over an ascending sample without NaN. */
export function quantileGrid(sorted: Float64Array, points: number = DISTANCE_QUANTILE_POINTS): number[] {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantiles of an empty sample');
  const out = new Array<number>(points);
  for (let i = 0; i < points; i++) {
    const h = (n - 1) * (i / (points - 1));
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, n - 1);
    out[i] = lerp(sorted[lo], sorted[hi], h - lo);
  }
  return out;
}

/** The quantile at probability p, linear between the grid's neighbouring points. */
export function quantileAt(grid: readonly number[], p: number): number {
  const h = p * (grid.length - 1);
  const lo = Math.min(Math.floor(h), grid.length - 1);
  const hi = Math.min(lo + 1, grid.length - 1);
  return lerp(grid[lo], grid[hi], h - lo);
}

/**
 * The share of the distribution at or below x (the grid's CDF, linear between grid points):
 * what the report draws as the reference distance histogram.
 */
export function shareBelow(grid: readonly number[], x: number): number {
  const last = grid.length - 1;
  if (x < grid[0]) return 0;
  if (x >= grid[last]) return 1;
  // Last grid point <= x; ties (flat stretches) take the highest probability.
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (grid[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = grid[hi] - grid[lo];
  const within = span > 0 ? (x - grid[lo]) / span : 0;
  return (lo + within) / last;
}
