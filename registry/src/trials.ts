// Trials of a training run whose k sweep ran over several pods (an Indexed Job): each index
// stores the (k, restart) fits it ran, and the index whose fits complete the grid reads them all
// back to choose k. One row per (run, k, restart): a retried index cannot add a trial twice.
import type pg from 'pg';
import { transaction } from './db.ts';
import { RegistryError, RegistryNotFoundError } from './errors.ts';
import { describeModel, type ModelRef } from './models.ts';

/** One k-means fit of the sweep grid, as the index that ran it found it. */
export interface Trial {
  k: number;
  restart: number;
  /** The Job completion index that fitted it. */
  index: number;
  inertia: number;
  iterations: number;
  /** Empty clusters moved onto far points during the fit. */
  relocations: number;
  /** k rows of d scaled coordinates, row after row. */
  centroids: Float64Array;
  /** Hash of the rows the fit ran on (indices of one run must have read the same rows). */
  dataHash: string;
}

export interface RecordTrialsResult {
  /** Trials this call stored; fewer than given when some were stored before (a retried index). */
  added: number;
  /** Trials the run holds now, this call's included. */
  total: number;
}

interface TrialRow {
  k: number;
  restart: number;
  job_index: number;
  inertia: number;
  iterations: number;
  relocations: number;
  centroids: number[];
  data_hash: string;
}

const isCount = (v: number, min: number) => Number.isInteger(v) && v >= min;

/** The first problem of a trial, as `field: problem`, or undefined when it is well formed. */
function trialProblem(t: Trial): string | undefined {
  if (!isCount(t.k, 1)) return `k: expected an integer >= 1, got ${t.k}`;
  if (!isCount(t.restart, 0)) return `restart: expected an integer >= 0, got ${t.restart}`;
  if (!isCount(t.index, 0)) return `index: expected an integer >= 0, got ${t.index}`;
  if (!Number.isFinite(t.inertia) || t.inertia < 0)
    return `inertia: expected a finite number >= 0, got ${t.inertia}`;
  if (!isCount(t.iterations, 0)) return `iterations: expected an integer >= 0, got ${t.iterations}`;
  if (!isCount(t.relocations, 0)) return `relocations: expected an integer >= 0, got ${t.relocations}`;
  const n = t.centroids.length;
  if (n === 0 || n % t.k !== 0) return `centroids: expected k (${t.k}) rows of equal length, got ${n} values`;
  if (!t.dataHash) return 'dataHash: expected the hash of the rows fitted on, got nothing';
  const bad = t.centroids.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return `centroids[${bad}]: expected a finite number, got ${t.centroids[bad]}`;
  return undefined;
}

/** The run's row id, locked for the rest of the transaction: indices of one run record one at a time. */
async function lockRun(c: pg.PoolClient, ref: ModelRef, runId: string): Promise<string> {
  const res = await c.query<{ id: string }>(
    `SELECT r.id FROM training_runs r JOIN models m ON m.id = r.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND r.run_id = $3 FOR UPDATE OF r`,
    [ref.namespace, ref.name, runId],
  );
  if (!res.rows[0])
    throw new RegistryNotFoundError(`model ${describeModel(ref)} has no training run ${runId}`);
  return res.rows[0].id;
}

/**
 * Stores an index's trials and counts the run's trials, under a lock on the run: of indices
 * finishing at once, the one that commits last sees every trial, so exactly one of them finds
 * the grid complete. Trials stored before (same run, k and restart) are kept as they were.
 * A malformed trial stores nothing and names its field.
 */
export async function recordTrials(
  pool: pg.Pool,
  ref: ModelRef,
  runId: string,
  trials: readonly Trial[],
): Promise<RecordTrialsResult> {
  trials.forEach((t, i) => {
    const problem = trialProblem(t);
    if (problem) throw new RegistryError(`trials[${i}].${problem}`);
  });
  return transaction(pool, async (c) => {
    const id = await lockRun(c, ref, runId);
    let added = 0;
    for (const t of trials) {
      const res = await c.query(
        `INSERT INTO training_trials
           (run_id, k, restart, job_index, inertia, iterations, relocations, centroids, data_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (run_id, k, restart) DO NOTHING`,
        [
          id,
          t.k,
          t.restart,
          t.index,
          t.inertia,
          t.iterations,
          t.relocations,
          Array.from(t.centroids),
          t.dataHash,
        ],
      );
      added += res.rowCount ?? 0;
    }
    const count = await c.query<{ n: string }>(
      'SELECT count(*) AS n FROM training_trials WHERE run_id = $1',
      [id],
    );
    return { added, total: Number(count.rows[0].n) };
  });
}

/** The run's trials by k, then restart; none for a run that stored none (or does not exist). */
export async function listTrials(pool: pg.Pool, ref: ModelRef, runId: string): Promise<Trial[]> {
  const res = await pool.query<TrialRow>(
    `SELECT t.k, t.restart, t.job_index, t.inertia, t.iterations, t.relocations, t.centroids, t.data_hash
     FROM training_trials t JOIN training_runs r ON r.id = t.run_id JOIN models m ON m.id = r.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND r.run_id = $3 ORDER BY t.k, t.restart`,
    [ref.namespace, ref.name, runId],
  );
  return res.rows.map((r) => ({
    k: r.k,
    restart: r.restart,
    index: r.job_index,
    inertia: r.inertia,
    iterations: r.iterations,
    relocations: r.relocations,
    centroids: Float64Array.from(r.centroids),
    dataHash: r.data_hash,
  }));
}
