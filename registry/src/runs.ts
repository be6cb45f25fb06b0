// Training runs: one row per (model, run id), where the run id is the training Job's UID, so a
// retried Job finds its run (and, once it succeeded, the version it registered).
import type pg from 'pg';
import type { ModelMetrics } from '@persona-operator/core/artifact/types';
import { toNumber, transaction } from './db.ts';
import { RegistryError, RegistryNotFoundError } from './errors.ts';
import { describeModel, lockModel, type ModelRef } from './models.ts';

export type TrainingRunStatus = 'running' | 'succeeded' | 'failed';

export interface TrainingRun extends ModelRef {
  id: number;
  runId: string;
  status: TrainingRunStatus;
  params: Record<string, unknown>;
  metrics: ModelMetrics | null;
  version: number | null;
  /** How many times the run was started (Job retries reuse the run id). */
  attempts: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

const RUN_COLUMNS = `r.id, m.namespace, m.name, r.run_id, r.status, r.params, r.metrics, r.version, r.attempts,
  r.started_at, r.finished_at, r.error`;

interface RunRow {
  id: string;
  namespace: string;
  name: string;
  run_id: string;
  status: TrainingRunStatus;
  params: Record<string, unknown>;
  metrics: ModelMetrics | null;
  version: number | null;
  attempts: number;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

const toRun = (r: RunRow): TrainingRun => ({
  id: toNumber(r.id),
  namespace: r.namespace,
  name: r.name,
  runId: r.run_id,
  status: r.status,
  params: r.params,
  metrics: r.metrics,
  version: r.version,
  attempts: r.attempts,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});

/** A new run, or `onConflict` (a fixed SQL fragment of this module) applied to the existing one. */
async function upsertRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  params: Record<string, unknown>,
  onConflict: string,
): Promise<TrainingRun> {
  if (!runId) throw new RegistryError('a training run needs a runId');
  return transaction(pool, async (c) => {
    const model = await lockModel(c, ref, true);
    const res = await c.query<{ id: string }>(
      `INSERT INTO training_runs (model_id, run_id, status, params) VALUES ($1, $2, 'running', $3)
       ON CONFLICT (model_id, run_id) DO UPDATE SET ${onConflict}
       RETURNING id`,
      [model.id, runId, JSON.stringify(params)],
    );
    return runById(c, res.rows[0].id);
  });
}

/**
 * Records that a run started; a retried Job (same run id) bumps `attempts`. A run that
 * already succeeded stays succeeded, so its retry can find its version and exit.
 */
export function startTrainingRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  params: Record<string, unknown>,
): Promise<TrainingRun> {
  return upsertRun(
    pool,
    ref,
    runId,
    params,
    `attempts = training_runs.attempts + 1,
     params = EXCLUDED.params,
     status = CASE WHEN training_runs.status = 'succeeded' THEN 'succeeded' ELSE 'running' END,
     started_at = CASE WHEN training_runs.status = 'succeeded' THEN training_runs.started_at ELSE now() END,
     finished_at = CASE WHEN training_runs.status = 'succeeded' THEN training_runs.finished_at END,
     error = NULL`,
  );
}

/**
 * Records that one index of a run split over several pods (an Indexed Job) started: the first
 * index creates the run, later ones and retries count an attempt. Unlike startTrainingRun it
 * leaves the status and error as they are: a failure one index recorded is what fails the Job,
 * and an index starting after it must not wipe the words the operator reports.
 */
export function joinTrainingRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  params: Record<string, unknown>,
): Promise<TrainingRun> {
  return upsertRun(pool, ref, runId, params, 'attempts = training_runs.attempts + 1');
}

export async function finishTrainingRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  result: { metrics: ModelMetrics; version: number },
): Promise<TrainingRun> {
  return updateRun(
    pool,
    ref,
    runId,
    `status = 'succeeded', metrics = $3, version = $4, finished_at = now(), error = NULL`,
    [JSON.stringify(result.metrics), result.version],
  );
}

/** Marks the run failed with the error message (never over a run that already succeeded). */
export async function failTrainingRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  error: string,
): Promise<TrainingRun> {
  return updateRun(
    pool,
    ref,
    runId,
    `status = CASE WHEN status = 'succeeded' THEN status ELSE 'failed' END,
     error = CASE WHEN status = 'succeeded' THEN error ELSE $3 END,
     finished_at = CASE WHEN status = 'succeeded' THEN finished_at ELSE now() END`,
    [error],
  );
}

export async function getTrainingRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
): Promise<TrainingRun | undefined> {
  const res = await pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM training_runs r JOIN models m ON m.id = r.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND r.run_id = $3`,
    [ref.namespace, ref.name, runId],
  );
  return res.rows[0] ? toRun(res.rows[0]) : undefined;
}

/** Training runs of the model, newest first. */
export async function listTrainingRuns(
  pool: pg.Pool,
  ref: ModelRef,
  opts: { limit?: number } = {},
): Promise<TrainingRun[]> {
  const res = await pool.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM training_runs r JOIN models m ON m.id = r.model_id
     WHERE m.namespace = $1 AND m.name = $2 ORDER BY r.started_at DESC, r.id DESC LIMIT $3`,
    [ref.namespace, ref.name, opts.limit ?? 100],
  );
  return res.rows.map(toRun);
}

/** `set` is a fixed SQL fragment from this module; every value in it is a parameter. */
async function updateRun(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  set: string,
  values: unknown[],
): Promise<TrainingRun> {
  const res = await pool.query<{ id: string }>(
    `UPDATE training_runs r SET ${set} FROM models m
     WHERE m.id = r.model_id AND m.namespace = $1 AND m.name = $2 AND r.run_id = $${values.length + 3}
     RETURNING r.id`,
    [ref.namespace, ref.name, ...values, runId],
  );
  if (!res.rows[0]) {
    throw new RegistryNotFoundError(`model ${describeModel(ref)} has no training run ${runId}`);
  }
  return runById(pool, res.rows[0].id);
}

async function runById(db: pg.Pool | pg.PoolClient, id: string): Promise<TrainingRun> {
  const res = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM training_runs r JOIN models m ON m.id = r.model_id WHERE r.id = $1`,
    [id],
  );
  return toRun(res.rows[0]);
}
