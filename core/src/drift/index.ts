// Dataset drift: every reference column tested against the same column of the current data,
// and the dataset declared drifted when the share of drifted columns reaches driftShare.
import { columnDrift, type ColumnDrift, type DriftColumn } from './column.ts';
import { DEFAULT_DRIFT_SHARE, DriftInputError, validateOptions, type DriftOptions } from './choose.ts';

export { columnDrift, type ColumnDrift, type DriftColumn, type Distribution } from './column.ts';
export {
  DEFAULT_DRIFT_SHARE,
  DriftInputError,
  TEST_NAMES,
  TESTS,
  defaultTest,
  type DriftOptions,
  type FeatureTestOverride,
  type TestChoice,
  type TestName,
} from './choose.ts';

/** Columns by name; all columns of a table have the same number of rows. */
export interface DriftTable {
  columns: readonly DriftColumn[];
}

export interface DriftReport {
  driftDetected: boolean;
  /** Share of tested columns that drifted. */
  driftShare: number;
  /** The share at or above which the dataset counts as drifted. */
  shareThreshold: number;
  driftedColumns: number;
  columns: ColumnDrift[];
  referenceRows: number;
  currentRows: number;
  createdAt: string;
}

/** The `persona drift --json` document (and the monitor's status.lastReport columns). */
export interface DriftSummary {
  driftDetected: boolean;
  driftShare: number;
  columns: {
    name: string;
    test: string;
    statistic: number | null;
    pValue: number | null;
    threshold: number;
    drifted: boolean;
  }[];
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

/** Puts per-column results (computed here or in worker threads) together into a report. */
export function summarise(
  columns: ColumnDrift[],
  options: DriftOptions,
  referenceRows: number,
  currentRows: number,
  now: Date = new Date(),
): DriftReport {
  const shareThreshold = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const driftShare = columns.length ? driftedColumns / columns.length : 0;
  return {
    driftDetected: driftShare >= shareThreshold,
    driftShare,
    shareThreshold,
    driftedColumns,
    columns,
    referenceRows,
    currentRows,
    createdAt: now.toISOString(),
  };
}

/** The compact form: JSON has no Infinity, so an infinite statistic becomes null. */
export function summariseReport(report: DriftReport): DriftSummary {
  return {
    driftDetected: report.driftDetected,
    driftShare: report.driftShare,
    columns: report.columns.map((c) => ({
      name: c.name,
      test: c.test,
      statistic: Number.isFinite(c.statistic) ? c.statistic : null,
      pValue: c.pValue,
      threshold: c.threshold,
      drifted: c.drifted,
    })),
  };
}
