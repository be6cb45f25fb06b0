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

/** The tests whose verdicts a drift rule combines. */
export const DRIFT_TEST_GROUPS = ['features', 'personaMix', 'novelty', 'perPersona'] as const;
export type DriftTestGroup = (typeof DRIFT_TEST_GROUPS)[number];

/** When a run counts as drifted: any (or all) of the listed tests fired. */
export type DriftRule = { anyOf: DriftTestGroup[] } | { allOf: DriftTestGroup[] };

/** The persona shares of the current rows against the reference's, as one categorical column. */
export interface PersonaMixOptions {
  enabled?: boolean;
  test?: TestChoice;
  threshold?: number;
}

/** Current rows farther from every centroid than the reference's `percentile` distance. */
export interface NoveltyOptions {
  enabled?: boolean;
  /** The reference distance quantile rows are compared with, in (0, 1). */
  percentile?: number;
  /** Novelty fires when more than this share of the scored current rows lies beyond it. */
  maxShare?: number;
}

/** The feature tests among the rows assigned to each persona. */
export interface PerPersonaOptions {
  enabled?: boolean;
  /** A persona is tested only with at least this many rows on both sides. */
  minRows?: number;
  /** The chance that a run where nothing changed names a persona (split over the tests). */
  falseAlarmRate?: number;
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
  personaMix?: PersonaMixOptions;
  novelty?: NoveltyOptions;
  perPersona?: PerPersonaOptions;
  /** Default: any of the tests that ran. */
  driftWhen?: DriftRule;
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
  checkShare(options.driftShare, 'tests.driftShare');
  validatePersonaOptions(options);
}

function checkShare(share: number | undefined, field: string): void {
  if (share !== undefined && !(Number.isFinite(share) && share > 0 && share <= 1)) {
    throw new DriftInputError(`${field} must be in (0, 1], got ${String(share)}`);
  }
}

function validatePersonaOptions(options: DriftOptions): void {
  const mix = options.personaMix;
  if (mix) {
    checkChoice(mix.test, 'tests.personaMix.test');
    if (mix.test && mix.test !== 'auto' && !TESTS[mix.test].types.includes('categorical')) {
      throw new DriftInputError(
        `tests.personaMix.test: ${mix.test} is not defined for the persona mix (a categorical column)`,
      );
    }
    checkThreshold(mix.threshold, 'tests.personaMix.threshold');
  }
  const novelty = options.novelty;
  if (novelty) {
    const p = novelty.percentile;
    if (p !== undefined && !(Number.isFinite(p) && p >= 0.5 && p <= 0.999)) {
      throw new DriftInputError(`tests.novelty.percentile must be in [0.5, 0.999], got ${String(p)}`);
    }
    const m = novelty.maxShare;
    if (m !== undefined && !(Number.isFinite(m) && m >= 0 && m <= 1)) {
      throw new DriftInputError(`tests.novelty.maxShare must be in [0, 1], got ${String(m)}`);
    }
  }
  const per = options.perPersona;
  if (per) {
    const n = per.minRows;
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) {
      throw new DriftInputError(`tests.perPersona.minRows must be an integer >= 1, got ${String(n)}`);
    }
    const r = per.falseAlarmRate;
    checkShare(r, 'tests.perPersona.falseAlarmRate');
  }
  if (options.driftWhen) validateRule(options);
}

function validateRule(options: DriftOptions): void {
  const rule = options.driftWhen as Partial<Record<'anyOf' | 'allOf', unknown>>;
  const keys = Object.keys(rule);
  if (keys.length !== 1 || (keys[0] !== 'anyOf' && keys[0] !== 'allOf')) {
    throw new DriftInputError('tests.driftWhen must hold exactly one of anyOf, allOf');
  }
  const field = `tests.driftWhen.${keys[0]}`;
  const list = rule[keys[0] as 'anyOf' | 'allOf'];
  if (!Array.isArray(list) || list.length === 0)
    throw new DriftInputError(`${field} must list at least one test`);
  const seen = new Set<unknown>();
  for (const name of list as unknown[]) {
    if (!(DRIFT_TEST_GROUPS as readonly unknown[]).includes(name)) {
      throw new DriftInputError(`${field}: ${String(name)} is not one of ${DRIFT_TEST_GROUPS.join(', ')}`);
    }
    if (seen.has(name)) throw new DriftInputError(`${field}: ${String(name)} is listed twice`);
    seen.add(name);
    if (name !== 'features' && options[name as Exclude<DriftTestGroup, 'features'>]?.enabled === false) {
      throw new DriftInputError(
        `${field}: ${String(name)} is listed but tests.${String(name)}.enabled is false`,
      );
    }
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
