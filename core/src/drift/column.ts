// Drift of one column: drop missing values, pick the test, compute it, and summarise both
// distributions for the report. Pure and self-contained so worker threads can run it per column.
import type { FeatureType } from '../artifact/types.ts';
import { DriftInputError, resolveTest, TESTS, type DriftOptions, type TestName } from './choose.ts';
import { ksTwoSample } from './ks.ts';
import { sortFloat64 } from './sort.ts';
import {
  binnedShares,
  chiSquareHomogeneity,
  chiSquareTest,
  countCategories,
  countSortedValues,
  histogramCounts,
  histogramEdges,
  jensenShannonDistance,
  normalisedWasserstein,
  populationStabilityIndex,
  zTest,
  type CountTable,
} from './stats.ts';

/** One column of input: numbers (NaN = missing) or categories (null or '' = missing). */
export type DriftColumn =
  | { name: string; type: 'numeric'; values: Float64Array }
  | { name: string; type: 'categorical'; values: readonly (string | null)[] };

/** Columns by name; all columns of a table have the same number of rows. */
export interface DriftTable {
  columns: readonly DriftColumn[];
}

/** Reference and current shares drawn in the report: a histogram or one bar per value. */
export type Distribution =
  | { kind: 'histogram'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'bars'; categories: string[]; reference: number[]; current: number[] };

/** One column's test result. */
export interface ColumnTest {
  name: string;
  type: FeatureType;
  test: TestName;
  /** KS D, chi-square, z, or the distance itself for distance tests. */
  statistic: number;
  /** The p-value for hypothesis tests; null for distances. */
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  /** Values used after dropping missing ones. */
  referenceValues: number;
  currentValues: number;
  referenceMissing: number;
  currentMissing: number;
}

/** A column's test result with both distributions, for the report. */
export interface ColumnDrift extends ColumnTest {
  distribution: Distribution;
}

export interface ColumnTestOptions {
  /** Replaces the p-value threshold of hypothesis tests (distances keep theirs). */
  pValueThreshold?: number;
  /**
   * Chi-square as Evidently computes it (goodness of fit to the reference shares, the default)
   * or as a test of homogeneity of the two samples, for references too small for their shares
   * to be taken as exact.
   */
  chiSquare?: ChiSquareKind;
}

export type ChiSquareKind = 'goodnessOfFit' | 'homogeneity';

/** Bars shown per categorical column; the rest are summed into one "(other)" bar. */
const MAX_BARS = 30;
const HISTOGRAM_BINS = 30;

function finiteSorted(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const out = new Float64Array(n);
  if (n === values.length) out.set(values);
  else {
    let k = 0;
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  }
  return sortFloat64(out);
}

/** Distinct values over two sorted samples, counting no further than `cap`. */
function countDistinct(a: Float64Array, b: Float64Array, cap: number): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count < cap) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    count++;
  }
  return count;
}

function toShares(counts: ArrayLike<number>, total: number): number[] {
  return Array.from(counts, (c) => c / total);
}

function barsOf(t: CountTable, order: 'value' | 'reference'): Distribution {
  const idx = t.keys.map((_, i) => i);
  if (order === 'reference')
    idx.sort((x, y) => t.reference[y] - t.reference[x] || t.current[y] - t.current[x]);
  const shown = idx.length > MAX_BARS ? idx.slice(0, MAX_BARS - 1) : idx;
  const categories = shown.map((i) => String(t.keys[i]));
  const reference = shown.map((i) => t.reference[i] / t.referenceTotal);
  const current = shown.map((i) => t.current[i] / t.currentTotal);
  if (shown.length < idx.length) {
    categories.push('(other)');
    reference.push(1 - reference.reduce((s, v) => s + v, 0));
    current.push(1 - current.reduce((s, v) => s + v, 0));
  }
  return { kind: 'bars', categories, reference, current };
}

/** The statistic (and p-value) of `test`: numeric tests need the two sorted samples. */
export function scoreTest(
  test: TestName,
  counts: () => CountTable,
  numeric: { a: Float64Array; b: Float64Array } | undefined,
  chiSquare: ChiSquareKind = 'goodnessOfFit',
): { statistic: number; pValue: number | null } {
  switch (test) {
    case 'ks': {
      if (!numeric) throw new Error('ks needs numeric data');
      const r = ksTwoSample(numeric.a, numeric.b);
      return { statistic: r.statistic, pValue: r.pValue };
    }
    case 'wasserstein':
      if (!numeric) throw new Error('wasserstein needs numeric data');
      return { statistic: normalisedWasserstein(numeric.a, numeric.b), pValue: null };
    case 'chisquare':
      return chiSquare === 'homogeneity' ? chiSquareHomogeneity(counts()) : chiSquareTest(counts());
    case 'z':
      return zTest(counts());
    case 'jensenshannon':
    case 'psi': {
      const referenceUnique = numeric ? countDistinct(numeric.a, new Float64Array(0), 21) : 0;
      const needCounts = !numeric || referenceUnique <= 20;
      const shares = binnedShares(
        needCounts ? counts() : EMPTY_COUNTS,
        numeric ? { ...numeric, referenceUnique } : undefined,
        test === 'psi',
      );
      const d =
        test === 'psi'
          ? populationStabilityIndex(shares.reference, shares.current)
          : jensenShannonDistance(shares.reference, shares.current);
      return { statistic: d, pValue: null };
    }
  }
}

const EMPTY_COUNTS: CountTable = {
  keys: [],
  reference: new Float64Array(0),
  current: new Float64Array(0),
  referenceTotal: 0,
  currentTotal: 0,
};

/**
 * Drift of one column. As in Evidently, missing values (NaN and infinities, null and '') are
 * dropped first and the remaining reference values decide between small- and large-sample tests.
 */
export function columnDrift(
  reference: DriftColumn,
  current: DriftColumn,
  options: DriftOptions,
): ColumnDrift {
  const { result, distribution } = testColumn(reference, current, options, {});
  return { ...result, distribution: distribution() };
}

/** columnDrift without the distributions. */
export function columnTest(
  reference: DriftColumn,
  current: DriftColumn,
  options: DriftOptions,
  testOptions: ColumnTestOptions = {},
): ColumnTest {
  return testColumn(reference, current, options, testOptions).result;
}

function testColumn(
  reference: DriftColumn,
  current: DriftColumn,
  options: DriftOptions,
  testOptions: ColumnTestOptions,
): { result: ColumnTest; distribution: () => Distribution } {
  const name = reference.name;
  if (reference.type !== current.type) {
    throw new DriftInputError(
      `column "${name}" is ${reference.type} in the reference data but ${current.type} in the current data`,
    );
  }
  let numeric: { a: Float64Array; b: Float64Array } | undefined;
  let counts: () => CountTable;
  let unique: number;
  let refN: number;
  let curN: number;
  let distribution: () => Distribution;
  if (reference.type === 'numeric' && current.type === 'numeric') {
    const a = finiteSorted(reference.values);
    const b = finiteSorted(current.values);
    numeric = { a, b };
    refN = a.length;
    curN = b.length;
    checkNotEmpty(name, refN, curN);
    unique = countDistinct(a, b, 21);
    let cached: CountTable | undefined;
    counts = () => (cached ??= countSortedValues(a, b));
    distribution = () => {
      if (unique <= 20) return barsOf(counts(), 'value');
      const edges = histogramEdges(a, b, HISTOGRAM_BINS);
      return {
        kind: 'histogram',
        edges: Array.from(edges),
        reference: toShares(histogramCounts(a, edges), refN),
        current: toShares(histogramCounts(b, edges), curN),
      };
    };
  } else {
    const a = (reference.values as readonly (string | null)[]).filter(
      (v): v is string => v !== null && v !== '',
    );
    const b = (current.values as readonly (string | null)[]).filter(
      (v): v is string => v !== null && v !== '',
    );
    refN = a.length;
    curN = b.length;
    checkNotEmpty(name, refN, curN);
    const table = countCategories(a, b);
    counts = () => table;
    unique = table.keys.length;
    distribution = () => barsOf(table, 'reference');
  }
  const resolved = resolveTest(reference, refN, unique, options);
  const test = resolved.test;
  const { statistic, pValue } = scoreTest(test, counts, numeric, testOptions.chiSquare);
  const info = TESTS[test];
  const threshold =
    info.kind === 'pValue' ? (testOptions.pValueThreshold ?? resolved.threshold) : resolved.threshold;
  const drifted = info.drifted(info.kind === 'pValue' ? (pValue as number) : statistic, threshold);
  const result: ColumnTest = {
    name,
    type: reference.type,
    test,
    statistic,
    pValue,
    threshold,
    drifted,
    referenceValues: refN,
    currentValues: curN,
    referenceMissing: reference.values.length - refN,
    currentMissing: current.values.length - curN,
  };
  return { result, distribution };
}

function checkNotEmpty(name: string, refN: number, curN: number): void {
  if (refN === 0) throw new DriftInputError(`column "${name}" has no values in the reference data`);
  if (curN === 0) throw new DriftInputError(`column "${name}" has no values in the current data`);
}
