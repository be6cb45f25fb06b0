// Dataset drift: every reference column tested against the same column of the current data,
// and the dataset declared drifted when the share of drifted columns reaches driftShare.
import { columnDrift, type ColumnDrift, type DriftColumn, type DriftTable } from './column.ts';
import {
  DEFAULT_DRIFT_SHARE,
  DriftInputError,
  validateOptions,
  type DriftOptions,
  type DriftRule,
  type DriftTestGroup,
} from './choose.ts';
import type { BadCellSummary } from '../data/bad-cells.ts';
import type { PersonaDriftReport } from './personas/index.ts';
import { resolveRule, ruleVerdict } from './rule.ts';
import {
  summarisePersonaTests,
  testResultSummary,
  type PersonaTestsSummary,
  type TestResultSummary,
} from './personas/summary.ts';

export {
  columnDrift,
  type ColumnDrift,
  type DriftColumn,
  type DriftTable,
  type Distribution,
} from './column.ts';
export {
  DEFAULT_DRIFT_SHARE,
  DRIFT_TEST_GROUPS,
  DriftInputError,
  TEST_NAMES,
  TESTS,
  defaultTest,
  type DriftOptions,
  type DriftRule,
  type DriftTestGroup,
  type FeatureTestOverride,
  type TestChoice,
  type TestName,
} from './choose.ts';

export interface DriftReport {
  /** The rule's verdict over the tests that fired. */
  driftDetected: boolean;
  rule: DriftRule;
  /** The tests that found drift: features when driftShare reached shareThreshold, etc. */
  fired: DriftTestGroup[];
  /** Share of tested columns that drifted. */
  driftShare: number;
  /** The share at or above which the dataset counts as drifted. */
  shareThreshold: number;
  driftedColumns: number;
  columns: ColumnDrift[];
  referenceRows: number;
  currentRows: number;
  createdAt: string;
  /** The persona tests, when a model was given. */
  personas?: PersonaDriftReport;
  /** Cells of the current data that could not be used (kept as missing values). */
  badCells?: BadCellSummary[];
}

/** The `persona drift --json` document (and the monitor's status.lastReport columns). */
export interface DriftSummary {
  driftDetected: boolean;
  rule: DriftRule;
  fired: DriftTestGroup[];
  driftShare: number;
  columns: TestResultSummary[];
  personas?: PersonaTestsSummary;
  badCells?: BadCellSummary[];
}

function rowCount(table: DriftTable, which: string): number {
  const first = table.columns[0];
  const rows = first ? first.values.length : 0;
  for (const c of table.columns) {
    if (c.values.length !== rows) {
      throw new DriftInputError(
        `${which} data: column "${c.name}" has ${c.values.length} rows, column "${first.name}" has ${rows}`,
      );
    }
  }
  return rows;
}

/** Checked input: each reference column with its current counterpart, and the row counts. */
export interface PairedColumns {
  pairs: { reference: DriftColumn; current: DriftColumn }[];
  referenceRows: number;
  currentRows: number;
}

/**
 * What a stored report keeps beside its columns: the rule and the tests that fired, the persona
 * tests and the current data's unusable cells.
 */
export type DriftDetails = Pick<DriftSummary, 'rule' | 'fired' | 'personas' | 'badCells'>;

export function driftDetails(summary: DriftSummary): DriftDetails {
  const { rule, fired, personas, badCells } = summary;
  return { rule, fired, ...(personas ? { personas } : {}), ...(badCells ? { badCells } : {}) };
}

/** Validates options and tables and pairs the columns by name (the reference's columns). */
export function pairColumns(
  reference: DriftTable,
  current: DriftTable,
  options: DriftOptions,
): PairedColumns {
  validateOptions(options);
  if (reference.columns.length === 0) throw new DriftInputError('the reference data has no columns');
  const referenceRows = rowCount(reference, 'reference');
  const currentRows = rowCount(current, 'current');
  const byName = new Map(current.columns.map((c) => [c.name, c]));
  const missing = reference.columns.filter((c) => !byName.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    throw new DriftInputError(
      `the current data lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
  for (const name of Object.keys(options.perFeature ?? {})) {
    if (!reference.columns.some((c) => c.name === name)) {
      throw new DriftInputError(
        `tests.perFeature names column "${name}", which the reference data does not have`,
      );
    }
  }
  const pairs = reference.columns.map((c) => ({ reference: c, current: byName.get(c.name) as DriftColumn }));
  return { pairs, referenceRows, currentRows };
}

/** Dataset drift of `current` against `reference`, over the reference's columns. */
export function computeDrift(
  reference: DriftTable,
  current: DriftTable,
  options: DriftOptions = {},
  now: Date = new Date(),
): DriftReport {
  const { pairs, referenceRows, currentRows } = pairColumns(reference, current, options);
  const columns = pairs.map((p) => columnDrift(p.reference, p.current, options));
  return summarise(columns, options, referenceRows, currentRows, now);
}

/** The tests that ran: the feature tests always, the persona tests present in `personas`. */
export function testsRun(personas: PersonaDriftReport | undefined): DriftTestGroup[] {
  const ran: DriftTestGroup[] = ['features'];
  if (personas?.mix) ran.push('personaMix');
  if (personas?.novelty) ran.push('novelty');
  if (personas?.perPersona) ran.push('perPersona');
  return ran;
}

function firedTests(featureDrift: boolean, personas: PersonaDriftReport | undefined): DriftTestGroup[] {
  const fired: DriftTestGroup[] = featureDrift ? ['features'] : [];
  if (personas?.mix?.drifted) fired.push('personaMix');
  if (personas?.novelty?.drifted) fired.push('novelty');
  if (personas?.perPersona?.personas.some((p) => p.drifted)) fired.push('perPersona');
  return fired;
}

/** Extra parts of a report that come from outside the feature tests. */
export interface ReportExtras {
  personas?: PersonaDriftReport;
  badCells?: BadCellSummary[];
}

/** Puts per-column results (computed here or in worker threads) together into a report. */
export function summarise(
  columns: ColumnDrift[],
  options: DriftOptions,
  referenceRows: number,
  currentRows: number,
  now: Date = new Date(),
  extras: ReportExtras = {},
): DriftReport {
  const shareThreshold = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const driftShare = columns.length ? driftedColumns / columns.length : 0;
  const rule = resolveRule(options, testsRun(extras.personas));
  const fired = firedTests(driftShare >= shareThreshold, extras.personas);
  return {
    driftDetected: ruleVerdict(rule, fired),
    rule,
    fired,
    driftShare,
    shareThreshold,
    driftedColumns,
    columns,
    referenceRows,
    currentRows,
    createdAt: now.toISOString(),
    ...(extras.personas ? { personas: extras.personas } : {}),
    ...(extras.badCells?.length ? { badCells: extras.badCells } : {}),
  };
}

/** The compact form: JSON has no Infinity, so an infinite statistic becomes null. */
export function summariseReport(report: DriftReport): DriftSummary {
  return {
    driftDetected: report.driftDetected,
    rule: report.rule,
    fired: report.fired,
    driftShare: report.driftShare,
    columns: report.columns.map(testResultSummary),
    ...(report.personas ? { personas: summarisePersonaTests(report.personas) } : {}),
    ...(report.badCells ? { badCells: report.badCells } : {}),
  };
}
