// Drift reports: what each DriftMonitor run found, kept per monitor, with the rendered page.
// A report stored with a run id is stored once per (monitor, run id), so a retried drift Job
// gets the first attempt's report back.
import type pg from 'pg';
import type { DriftDetails, DriftSummary } from '@persona-operator/core/drift/index';
import { toNumber } from './db.ts';
import { RegistryError } from './errors.ts';
import { modelNotFound, type VersionRef } from './models.ts';

/** One column's test result, as `persona drift --json` reports it. */
export type DriftColumnResult = DriftSummary['columns'][number];

export interface DriftReportInput {
  /** The DriftMonitor, as "<namespace>/<name>". */
  monitor: string;
  model: VersionRef;
  driftDetected: boolean;
  share: number;
  columns: DriftColumnResult[];
  /** Anything else worth keeping (row counts, windows, test settings). */
  summary?: Record<string, unknown>;
  html?: string;
  /** The rule and what fired, the persona tests, unusable current cells (absent in old reports). */
  details?: DriftDetails;
  /**
   * The drift Job's run id (its UID): the operator looks the result up by (monitor, runId), and
   * a retried Job that already stored its report gets that report back instead of a second one.
   */
  runId?: string;
}

export interface DriftReport extends DriftReportInput {
  id: number;
  createdAt: Date;
  summary: Record<string, unknown>;
}

const DRIFT_COLUMNS = `d.id, d.monitor, m.namespace, m.name, d.version, d.created_at, d.drift_detected, d.share,
  d.columns, d.summary, d.html, d.run_id, d.details`;

interface DriftRow {
  id: string;
  monitor: string;
  namespace: string;
  name: string;
  version: number;
  created_at: Date;
  drift_detected: boolean;
  share: number;
  columns: DriftColumnResult[];
  summary: Record<string, unknown>;
  html: string | null;
  run_id: string | null;
  details: DriftDetails | null;
}

const toDriftReport = (r: DriftRow): DriftReport => ({
  id: toNumber(r.id),
  monitor: r.monitor,
  model: { namespace: r.namespace, name: r.name, version: r.version },
  createdAt: r.created_at,
  driftDetected: r.drift_detected,
  share: r.share,
  columns: r.columns,
  summary: r.summary,
  ...(r.html === null ? {} : { html: r.html }),
  ...(r.run_id === null ? {} : { runId: r.run_id }),
  ...(r.details === null ? {} : { details: r.details }),
});

/**
 * Stores a drift report. With a runId the insert is idempotent: when the monitor already has
 * a report for that run (a retried Job), that report is returned and nothing is written.
 */
export async function insertDriftReport(pool: pg.Pool, input: DriftReportInput): Promise<DriftReport> {
  if (input.runId !== undefined && input.runId === '') {
    throw new RegistryError('insertDriftReport: runId must not be empty');
  }
  const res = await pool.query<{ id: string }>(
    `INSERT INTO drift_reports (monitor, model_id, version, drift_detected, share, columns, summary, html, run_id, details)
     SELECT $1, m.id, $4, $5, $6, $7, $8, $9, $10, $11 FROM models m WHERE m.namespace = $2 AND m.name = $3
     ON CONFLICT (monitor, run_id) WHERE run_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      input.monitor,
      input.model.namespace,
      input.model.name,
      input.model.version,
      input.driftDetected,
      input.share,
      JSON.stringify(input.columns),
      JSON.stringify(input.summary ?? {}),
      input.html ?? null,
      input.runId ?? null,
      input.details ? JSON.stringify(input.details) : null,
    ],
  );
  if (!res.rows[0]) {
    const earlier = input.runId ? await getDriftReportByRun(pool, input.monitor, input.runId) : undefined;
    if (earlier) return earlier;
    throw modelNotFound(input.model);
  }
  return (await getDriftReport(pool, Number(res.rows[0].id)))!;
}

/** The report a drift Job stored for this monitor ("<namespace>/<name>") and run id, if any. */
export async function getDriftReportByRun(
  pool: pg.Pool,
  monitor: string,
  runId: string,
): Promise<DriftReport | undefined> {
  const res = await pool.query<DriftRow>(
    `SELECT ${DRIFT_COLUMNS} FROM drift_reports d JOIN models m ON m.id = d.model_id
     WHERE d.monitor = $1 AND d.run_id = $2`,
    [monitor, runId],
  );
  return res.rows[0] ? toDriftReport(res.rows[0]) : undefined;
}

export async function getDriftReport(pool: pg.Pool, id: number): Promise<DriftReport | undefined> {
  const res = await pool.query<DriftRow>(
    `SELECT ${DRIFT_COLUMNS} FROM drift_reports d JOIN models m ON m.id = d.model_id WHERE d.id = $1`,
    [id],
  );
  return res.rows[0] ? toDriftReport(res.rows[0]) : undefined;
}

/** Reports of one DriftMonitor ("<namespace>/<name>"), newest first. */
export async function listDriftReports(
  pool: pg.Pool,
  monitor: string,
  opts: { limit?: number } = {},
): Promise<DriftReport[]> {
  const res = await pool.query<DriftRow>(
    `SELECT ${DRIFT_COLUMNS} FROM drift_reports d JOIN models m ON m.id = d.model_id
     WHERE d.monitor = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
    [monitor, opts.limit ?? 20],
  );
  return res.rows.map(toDriftReport);
}
