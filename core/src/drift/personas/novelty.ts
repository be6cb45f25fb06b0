// Novelty: how many current rows lie farther from every persona than the reference's
// `percentile` distance. By construction about 1 - percentile of rows drawn like the training
// data do; a persona the model lacks shows up as a larger share.
import type { NoveltyOptions } from '../choose.ts';
import { quantileAt, shareBelow } from './quantiles.ts';

export const DEFAULT_NOVELTY_PERCENTILE = 0.99;
/**
 * Novelty fires above this share: one row in twenty far from every persona. Rows drawn like the
 * training data put about 1 % beyond the 99th percentile, but with a training set the size of
 * a month (500 rows) that percentile rests on 5 rows: fresh draws of the seed scenario's
 * February put 0.2 % to 4.8 % beyond it (30 seeds), its April (halfway back from the shock)
 * 9 % to 19 %. A missing persona worth acting on is at least this big.
 */
export const DEFAULT_NOVELTY_MAX_SHARE = 0.05;

const BINS = 30;

export interface NoveltyResult {
  percentile: number;
  /** The reference distance at `percentile`. */
  distanceThreshold: number;
  /** 1 - percentile: the share expected beyond it when nothing changed. */
  expectedShare: number;
  rowsBeyond: number;
  assignedRows: number;
  share: number;
  maxShare: number;
  drifted: boolean;
  /** Distance histograms (shares per bin) for the report. */
  distribution: { edges: number[]; reference: number[]; current: number[] };
}

/** The novelty test of the current rows' distances (NaN: unassigned, ignored). */
export function noveltyDrift(
  referenceQuantiles: readonly number[],
  distances: Float64Array,
  options: NoveltyOptions = {},
): NoveltyResult {
  const percentile = options.percentile ?? DEFAULT_NOVELTY_PERCENTILE;
  const maxShare = options.maxShare ?? DEFAULT_NOVELTY_MAX_SHARE;
  const limit = quantileAt(referenceQuantiles, percentile);
  let assigned = 0;
  let beyond = 0;
  let hi = referenceQuantiles[referenceQuantiles.length - 1];
  let lo = referenceQuantiles[0];
  for (let i = 0; i < distances.length; i++) {
    const d = distances[i];
    if (Number.isNaN(d)) continue;
    assigned++;
    if (d > limit) beyond++;
    if (d > hi) hi = d;
    if (d < lo) lo = d;
  }
  const share = assigned ? beyond / assigned : 0;
  return {
    percentile,
    distanceThreshold: limit,
    expectedShare: 1 - percentile,
    rowsBeyond: beyond,
    assignedRows: assigned,
    share,
    maxShare,
    drifted: share > maxShare,
    distribution: histograms(referenceQuantiles, distances, lo, hi, assigned),
  };
}

function histograms(
  grid: readonly number[],
  distances: Float64Array,
  lo: number,
  hi: number,
  assigned: number,
): NoveltyResult['distribution'] {
  if (hi <= lo) hi = lo + 1;
  const width = (hi - lo) / BINS;
  const edges = Array.from({ length: BINS + 1 }, (_, i) => (i === BINS ? hi : lo + i * width));
  const reference = edges.slice(1).map((e, i) => shareBelow(grid, e) - shareBelow(grid, edges[i]));
  reference[0] += shareBelow(grid, lo);
  const counts = new Array<number>(BINS).fill(0);
  for (let i = 0; i < distances.length; i++) {
    const d = distances[i];
    if (Number.isNaN(d)) continue;
    counts[Math.min(BINS - 1, Math.floor((d - lo) / width))]++;
  }
  return { edges, reference, current: counts.map((c) => (assigned ? c / assigned : 0)) };
}
