// Which test a column gets and what threshold it is judged by: Evidently's defaults (by column
// type, reference size and distinct values), then the monitor's overrides, most specific first
// (per feature, per type, global).
import type { FeatureType } from '../artifact/types.ts';

export const TEST_NAMES = ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare', 'z'] as const;
export type TestName = (typeof TEST_NAMES)[number];
export type TestChoice = TestName | 'auto';

export interface TestInfo {
  /** p-value tests drift when p is small; distances when the distance is large. */
  kind: 'pValue' | 'distance';
  defaultThreshold: number;
  /** Column types the test is defined for. */
  types: readonly FeatureType[];
  /** Evidently's comparison: ks drifts at p <= t, chi-square and z at p < t, distances at d >= t. */
  drifted: (score: number, threshold: number) => boolean;
}

export const TESTS: Record<TestName, TestInfo> = {
  ks: { kind: 'pValue', defaultThreshold: 0.05, types: ['numeric'], drifted: (p, t) => p <= t },
  chisquare: {
    kind: 'pValue',
    defaultThreshold: 0.05,
    types: ['numeric', 'categorical'],
    drifted: (p, t) => p < t,
  },
  z: { kind: 'pValue', defaultThreshold: 0.05, types: ['numeric', 'categorical'], drifted: (p, t) => p < t },
  wasserstein: { kind: 'distance', defaultThreshold: 0.1, types: ['numeric'], drifted: (d, t) => d >= t },
  jensenshannon: {
    kind: 'distance',
    defaultThreshold: 0.1,
    types: ['numeric', 'categorical'],
    drifted: (d, t) => d >= t,
  },
  psi: {
    kind: 'distance',
    defaultThreshold: 0.1,
    types: ['numeric', 'categorical'],
    drifted: (d, t) => d >= t,
  },
};

/** Evidently switches from hypothesis tests to distances above this many reference rows. */
export const SMALL_REFERENCE_ROWS = 1000;
export const DEFAULT_DRIFT_SHARE = 0.5;

/**
 * Evidently's default test for a column, so reports read like the ones users know.
 * `uniqueValues` counts distinct values over both samples; callers may cap the count at 6,
 * which is all this needs.
 */
export function defaultTest(type: FeatureType, referenceRows: number, uniqueValues: number): TestName {
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (uniqueValues <= 2) return 'z';
    if (type === 'categorical' || uniqueValues <= 5) return 'chisquare';
    return 'ks';
  }
  if (type === 'numeric' && uniqueValues > 5) return 'wasserstein';
  return 'jensenshannon';
}

export interface FeatureTestOverride {
  test?: TestChoice;
  threshold?: number;
}

/** The monitor's `spec.tests`, plus per-type and global thresholds. */
export interface DriftOptions {
  numeric?: TestChoice;
  categorical?: TestChoice;
  /** Threshold for every column that has no more specific one. */
  threshold?: number;
  numericThreshold?: number;
  categoricalThreshold?: number;
  perFeature?: Record<string, FeatureTestOverride>;
  /** The dataset drifts when the share of drifted columns is at least this. */
  driftShare?: number;
}

/** Bad drift options or input: the message names the field or column. */
export class DriftInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DriftInputError';
  }
}

function checkThreshold(value: number | undefined, field: string): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw new DriftInputError(`${field} must be a finite number >= 0, got ${String(value)}`);
  }
}

function checkChoice(value: unknown, field: string): void {
  if (value !== undefined && value !== 'auto' && !(TEST_NAMES as readonly unknown[]).includes(value)) {
    throw new DriftInputError(`${field} must be one of auto, ${TEST_NAMES.join(', ')}; got ${String(value)}`);
  }
}

/** Rejects unknown tests, negative thresholds and a drift share outside (0, 1]. */
export function validateOptions(options: DriftOptions): void {
  checkChoice(options.numeric, 'tests.numeric');
  checkChoice(options.categorical, 'tests.categorical');
  if (options.numeric && options.numeric !== 'auto' && !TESTS[options.numeric].types.includes('numeric')) {
    throw new DriftInputError(`tests.numeric: ${options.numeric} is not defined for numeric columns`);
  }
  if (
    options.categorical &&
    options.categorical !== 'auto' &&
    !TESTS[options.categorical].types.includes('categorical')
  ) {
    throw new DriftInputError(
      `tests.categorical: ${options.categorical} is not defined for categorical columns`,
    );
  }
  checkThreshold(options.threshold, 'tests.threshold');
  checkThreshold(options.numericThreshold, 'tests.numericThreshold');
  checkThreshold(options.categoricalThreshold, 'tests.categoricalThreshold');
  for (const [name, o] of Object.entries(options.perFeature ?? {})) {
    checkChoice(o.test, `tests.perFeature.${name}.test`);
    checkThreshold(o.threshold, `tests.perFeature.${name}.threshold`);
  }
  const share = options.driftShare;
  if (share !== undefined && !(Number.isFinite(share) && share > 0 && share <= 1)) {
    throw new DriftInputError(`tests.driftShare must be in (0, 1], got ${String(share)}`);
  }
}

/** The test and threshold for one column, most specific setting first. */
export function resolveTest(
  column: { name: string; type: FeatureType },
  referenceRows: number,
  uniqueValues: number,
  options: DriftOptions,
): { test: TestName; threshold: number } {
  const own = options.perFeature?.[column.name];
  const typeChoice = column.type === 'numeric' ? options.numeric : options.categorical;
  const choice = own?.test && own.test !== 'auto' ? own.test : typeChoice;
  const test = choice && choice !== 'auto' ? choice : defaultTest(column.type, referenceRows, uniqueValues);
  if (!TESTS[test].types.includes(column.type)) {
    throw new DriftInputError(
      `column "${column.name}": test ${test} is not defined for ${column.type} columns`,
    );
  }
  const typeThreshold = column.type === 'numeric' ? options.numericThreshold : options.categoricalThreshold;
  const threshold = own?.threshold ?? typeThreshold ?? options.threshold ?? TESTS[test].defaultThreshold;
  return { test, threshold };
}
