// The prediction log: rows the predictor scored, kept for drift checks over a window of live
// traffic, appended in batches and pruned by age.
import type pg from 'pg';
import { listModels, modelNotFound, type ModelRef } from './models.ts';

/** One logged prediction, as the predictor writes it and a drift check reads it back. */
export interface PredictionLogEntry {
  namespace: string;
  name: string;
  version: number;
  at: Date;
  features: Record<string, unknown>;
  persona: string;
}

/** Appends entries in one statement; an entry for an unknown model fails the whole batch. */
export async function insertPredictionLog(
  pool: pg.Pool,
  entries: readonly PredictionLogEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  try {
    await pool.query(
      `INSERT INTO prediction_log (model_id, version, at, features, persona)
       SELECT m.id, x.version, x.at, x.features, x.persona
       FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::jsonb[], $6::text[])
            WITH ORDINALITY AS x(namespace, name, version, at, features, persona, n)
       LEFT JOIN models m ON m.namespace = x.namespace AND m.name = x.name
       ORDER BY x.n`,
      [
        entries.map((e) => e.namespace),
        entries.map((e) => e.name),
        entries.map((e) => e.version),
        entries.map((e) => e.at.toISOString()),
        entries.map((e) => JSON.stringify(e.features)),
        entries.map((e) => e.persona),
      ],
    );
  } catch (err) {
    // The LEFT JOIN turns an unknown model into a NULL model_id: not-null violation.
    if ((err as { code?: string }).code === '23502') {
      const known = await listModels(pool, { includeArchived: true });
      const missing = entries.find(
        (e) => !known.some((m) => m.namespace === e.namespace && m.name === e.name),
      );
      if (missing) throw modelNotFound(missing);
    }
    throw err;
  }
}

/** Logged predictions of the model in [since, until), oldest first. */
export async function readPredictionLog(
  pool: pg.Pool,
  ref: ModelRef,
  opts: { since: Date; until?: Date; version?: number; limit?: number },
): Promise<PredictionLogEntry[]> {
  const res = await pool.query<PredictionLogEntry>(
    `SELECT m.namespace, m.name, p.version, p.at, p.features, p.persona
     FROM prediction_log p JOIN models m ON m.id = p.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND p.at >= $3 AND ($4::timestamptz IS NULL OR p.at < $4)
       AND ($5::int IS NULL OR p.version = $5)
     ORDER BY p.at, p.id LIMIT $6`,
    [ref.namespace, ref.name, opts.since, opts.until ?? null, opts.version ?? null, opts.limit ?? 1_000_000],
  );
  return res.rows;
}

/** Deletes log entries older than `before`; returns how many. */
export async function prunePredictionLog(pool: pg.Pool, before: Date): Promise<number> {
  const res = await pool.query('DELETE FROM prediction_log WHERE at < $1', [before]);
  return res.rowCount ?? 0;
}
