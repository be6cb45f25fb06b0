// The drift statistics other than KS, with Evidently's definitions (its stattests module):
// chi-square goodness of fit of current to reference proportions, two-proportion z-test,
// Wasserstein distance over the reference std, and Jensen-Shannon distance and PSI over
// Evidently's binning. Numeric inputs are ascending-sorted Float64Arrays without NaN.
import { chiSquareSf, normalSf } from './special.ts';

/** Category (or distinct numeric value) counts of both samples over the union of their values. */
export interface CountTable {
  keys: (string | number)[];
  reference: Float64Array;
  current: Float64Array;
  referenceTotal: number;
  currentTotal: number;
}

/** Distinct values of two sorted samples and how often each occurs in each. */
export function countSortedValues(a: Float64Array, b: Float64Array): CountTable {
  const keys: number[] = [];
  const ra: number[] = [];
  const rb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    let ca = 0;
    let cb = 0;
    while (i < a.length && a[i] === x) {
      i++;
      ca++;
    }
    while (j < b.length && b[j] === x) {
      j++;
      cb++;
    }
    keys.push(x);
    ra.push(ca);
    rb.push(cb);
  }
  return {
    keys,
    reference: Float64Array.from(ra),
    current: Float64Array.from(rb),
    referenceTotal: a.length,
    currentTotal: b.length,
  };
}

/** Category counts of two samples of strings, keys in first-seen order. */
export function countCategories(a: readonly string[], b: readonly string[]): CountTable {
  const index = new Map<string, number>();
  const ra: number[] = [];
  const rb: number[] = [];
  const add = (v: string, into: 'a' | 'b') => {
    let k = index.get(v);
    if (k === undefined) {
      k = index.size;
      index.set(v, k);
      ra.push(0);
      rb.push(0);
    }
    if (into === 'a') ra[k]++;
    else rb[k]++;
  };
  for (const v of a) add(v, 'a');
  for (const v of b) add(v, 'b');
  return {
    keys: [...index.keys()],
    reference: Float64Array.from(ra),
    current: Float64Array.from(rb),
    referenceTotal: a.length,
    currentTotal: b.length,
  };
}

export interface PValueResult {
  statistic: number;
  pValue: number;
}

/**
 * Chi-square goodness of fit of the current counts to the reference proportions scaled to the
 * current size (Evidently's chi_stat_test; scipy.stats.chisquare, k - 1 degrees of freedom).
 * A value absent from the reference makes the statistic infinite and p = 0, as in scipy.
 */
export function chiSquareTest(t: CountTable): PValueResult {
  const k = t.keys.length;
  if (k < 2) return { statistic: 0, pValue: 1 };
  const scale = t.currentTotal / t.referenceTotal;
  let stat = 0;
  for (let i = 0; i < k; i++) {
    const expected = t.reference[i] * scale;
    const diff = t.current[i] - expected;
    stat += expected === 0 ? (diff === 0 ? 0 : Infinity) : (diff * diff) / expected;
  }
  return { statistic: stat, pValue: stat === Infinity ? 0 : chiSquareSf(stat, k - 1) };
}

/**
 * Chi-square test of homogeneity of the two samples' counts (scipy.stats.chi2_contingency on the
 * 2 x k table, without Yates' correction): unlike the goodness of fit above, it counts the
 * reference's own sampling noise, which matters when the reference is no bigger than the
 * current data. Values absent from both samples are left out; k - 1 degrees of freedom.
 */
export function chiSquareHomogeneity(t: CountTable): PValueResult {
  const R = t.referenceTotal;
  const C = t.currentTotal;
  const N = R + C;
  let stat = 0;
  let used = 0;
  for (let i = 0; i < t.keys.length; i++) {
    const total = t.reference[i] + t.current[i];
    if (total === 0) continue;
    used++;
    const er = (R * total) / N;
    const ec = (C * total) / N;
    stat += (t.reference[i] - er) ** 2 / er + (t.current[i] - ec) ** 2 / ec;
  }
  if (used < 2) return { statistic: 0, pValue: 1 };
  return { statistic: stat, pValue: chiSquareSf(stat, used - 1) };
}

/**
 * Two-proportion z-test on the share of the first value (Evidently's z_stat_test). The choice
 * of value only flips the sign of z, so the two-sided p-value does not depend on it.
 */
export function zTest(t: CountTable): PValueResult {
  if (t.keys.length < 2) return { statistic: 0, pValue: 1 };
  const n1 = t.referenceTotal;
  const n2 = t.currentTotal;
  const p1 = t.reference[0] / n1;
  const p2 = t.current[0] / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2));
  // 2 * P(Z > |z|) rather than Evidently's 2 * (1 - Φ(|z|)): same value, without the
  // rounding to exactly 0 for |z| above ~8.3.
  return { statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** Population standard deviation (numpy's default ddof=0). */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/** First Wasserstein distance between two sorted samples: the area between their CDFs. */
export function wassersteinDistance(a: Float64Array, b: Float64Array): number {
  const na = a.length;
  const nb = b.length;
  let i = 0;
  let j = 0;
  let area = 0;
  let prev = Math.min(a[0], b[0]);
  while (i < na || j < nb) {
    const x = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
    area += Math.abs(i / na - j / nb) * (x - prev);
    prev = x;
    while (i < na && a[i] === x) i++;
    while (j < nb && b[j] === x) j++;
  }
  return area;
}

/** Evidently's floor for the reference std, so a constant reference does not divide by zero. */
export const WASSERSTEIN_STD_FLOOR = 0.001;

/** Wasserstein distance in units of the reference's (population) standard deviation. */
export function normalisedWasserstein(a: Float64Array, b: Float64Array): number {
  return wassersteinDistance(a, b) / Math.max(populationStd(a), WASSERSTEIN_STD_FLOOR);
}

/**
 * numpy.histogram_bin_edges(concat(a, b), bins) for sorted a and b: equal-width edges from the
 * joint minimum to the joint maximum, computed as numpy's linspace does (start + i * step,
 * last edge exactly the maximum).
 */
export function histogramEdges(a: Float64Array, b: Float64Array, bins: number): Float64Array {
  let lo = Math.min(a.length ? a[0] : Infinity, b.length ? b[0] : Infinity);
  let hi = Math.max(a.length ? a[a.length - 1] : -Infinity, b.length ? b[b.length - 1] : -Infinity);
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + lo;
  edges[bins] = hi;
  return edges;
}

/** First index with sorted[index] >= x (or > x when `right`). */
function searchSorted(sorted: Float64Array, x: number, right: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (right ? sorted[mid] <= x : sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * numpy.histogram(sorted, edges) counts: [e_i, e_i+1) with the last bin closed; values outside
 * the edges are not counted.
 */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let prev = searchSorted(sorted, edges[0], false);
  for (let i = 0; i < bins; i++) {
    const next = searchSorted(sorted, edges[i + 1], i === bins - 1);
    counts[i] = next - prev;
    prev = next;
  }
  return counts;
}

/** Evidently's bin count for Jensen-Shannon and PSI. */
export const DISTRIBUTION_BINS = 30;
/** Above this many distinct reference values a numeric column is binned into a histogram. */
export const HISTOGRAM_MIN_UNIQUE = 20;

/**
 * Evidently's get_binned_data: shares per bin (numeric with more than 20 distinct reference
 * values: 30 equal-width bins over both samples) or per distinct value (everything else).
 * With `fillZeros`, empty bins get a small share (the smallest non-zero share / 1e6 when that
 * is <= 1e-4, else 1e-4) so PSI's logarithm stays finite.
 */
export function binnedShares(
  t: CountTable,
  numeric: { a: Float64Array; b: Float64Array; referenceUnique: number } | undefined,
  fillZeros: boolean,
): { reference: Float64Array; current: Float64Array } {
  let reference: Float64Array;
  let current: Float64Array;
  if (numeric && numeric.referenceUnique > HISTOGRAM_MIN_UNIQUE) {
    const edges = histogramEdges(numeric.a, numeric.b, DISTRIBUTION_BINS);
    reference = histogramCounts(numeric.a, edges).map((c) => c / numeric.a.length);
    current = histogramCounts(numeric.b, edges).map((c) => c / numeric.b.length);
  } else {
    reference = t.reference.map((c) => c / t.referenceTotal);
    current = t.current.map((c) => c / t.currentTotal);
  }
  if (fillZeros) {
    fillEmpty(reference);
    fillEmpty(current);
  }
  return { reference, current };
}

function fillEmpty(shares: Float64Array): void {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** scipy.spatial.distance.jensenshannon (natural log): the square root of the JS divergence. */
export function jensenShannonDistance(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  return Math.sqrt(Math.max(0, left + right) / 2);
}

/** Population stability index over shares without zeros: Σ (r - c) ln(r / c). */
export function populationStabilityIndex(reference: Float64Array, current: Float64Array): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    psi += (reference[i] - current[i]) * Math.log(reference[i] / current[i]);
  }
  return psi;
}
