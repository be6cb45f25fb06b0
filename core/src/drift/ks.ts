// Two-sample Kolmogorov-Smirnov test with scipy.stats.ks_2samp(method='auto') semantics:
// exact p-value when both samples have at most 10 000 values, Smirnov's asymptotic
// (kstwo.sf at round(n1*n2/(n1+n2))) otherwise or when the exact computation is unusable.
import { kolmogorovSf } from './kolmogorov.ts';

/** scipy switches from the exact to the asymptotic p-value above this sample size. */
export const KS_MAX_EXACT_N = 10000;

export interface KsResult {
  /** sup |F1 - F2|. */
  statistic: number;
  pValue: number;
  method: 'exact' | 'asymp';
}

/**
 * The KS statistic of two ascending-sorted samples (no NaN) by one merge walk: at every
 * distinct value, the difference of the two empirical CDFs (right-continuous, as scipy's
 * searchsorted(side='right')).
 */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = 0;
  let minS = 0;
  while (i < n1 && j < n2) {
    const x = a[i] <= b[j] ? a[i] : b[j];
    while (i < n1 && a[i] === x) i++;
    while (j < n2 && b[j] === x) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    else if (diff < minS) minS = diff;
  }
  // Once one sample is exhausted the difference only moves towards 0, so the walk can stop.
  return Math.max(maxS, -minS);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D >= h/n) for two samples of equal size n (alternating series in Horner form). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * Share of lattice paths from (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm(m,n),
 * computed directly as 1 - inside (Hodges' inside method with Viehmann's stable recursion).
 */
function outerProbInsideMethod(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

/**
 * Exact two-sided p-value (p undefined when it is not a usable probability). d comes back
 * snapped to the lattice h/lcm(n1, n2), as scipy returns it, even when p is unusable.
 */
function exactPValue(n1: number, n2: number, d: number): { d: number; p: number | undefined } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { d: dd, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  return { d: dd, p: p >= 0 && p <= 1 ? p : undefined };
}

/** Two-sided two-sample KS test over ascending-sorted samples without NaN. */
export function ksTwoSample(sortedA: Float64Array, sortedB: Float64Array): KsResult {
  const n1 = sortedA.length;
  const n2 = sortedB.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('the KS test needs at least one value in each sample');
  let d = ksStatistic(sortedA, sortedB);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = exactPValue(n1, n2, d);
    if (exact.p !== undefined) return { statistic: exact.d, pValue: exact.p, method: 'exact' };
    d = exact.d;
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: 'asymp' };
}
