// Models: one row per PersonaModel (namespace, name), archived rather than deleted so its
// versions, aliases and history stay readable. lockModel is the lock every write that allocates
// or moves something under a model takes first.
import type pg from 'pg';
import { toNumber } from './db.ts';
import { RegistryError, RegistryNotFoundError } from './errors.ts';

export interface ModelRef {
  namespace: string;
  name: string;
}

export interface VersionRef extends ModelRef {
  version: number;
}

export interface ModelRecord extends ModelRef {
  id: number;
  createdAt: Date;
  archivedAt: Date | null;
}

export interface ModelRow {
  id: string;
  namespace: string;
  name: string;
  created_at: Date;
  archived_at: Date | null;
}

const MODEL_COLUMNS = 'id, namespace, name, created_at, archived_at';

const toModel = (r: ModelRow): ModelRecord => ({
  id: toNumber(r.id),
  namespace: r.namespace,
  name: r.name,
  createdAt: r.created_at,
  archivedAt: r.archived_at,
});

/** "<namespace>/<name>", as messages name a model. */
export const describeModel = (m: ModelRef): string => `${m.namespace}/${m.name}`;

export const modelNotFound = (ref: ModelRef): RegistryNotFoundError =>
  new RegistryNotFoundError(`model ${describeModel(ref)} is not in the registry`);

function checkModelRef(ref: ModelRef): void {
  if (!ref.namespace || !ref.name) {
    throw new RegistryError(`model reference needs a namespace and a name, got ${JSON.stringify(ref)}`);
  }
}

/** Creates the model if needed and un-archives it (a re-created PersonaModel lives again). */
export async function ensureModel(pool: pg.Pool, ref: ModelRef): Promise<ModelRecord> {
  checkModelRef(ref);
  const res = await pool.query<ModelRow>(
    `INSERT INTO models (namespace, name) VALUES ($1, $2)
     ON CONFLICT (namespace, name) DO UPDATE SET archived_at = NULL
     RETURNING ${MODEL_COLUMNS}`,
    [ref.namespace, ref.name],
  );
  return toModel(res.rows[0]);
}

export async function getModel(pool: pg.Pool, ref: ModelRef): Promise<ModelRecord | undefined> {
  const res = await pool.query<ModelRow>(
    `SELECT ${MODEL_COLUMNS} FROM models WHERE namespace = $1 AND name = $2`,
    [ref.namespace, ref.name],
  );
  return res.rows[0] ? toModel(res.rows[0]) : undefined;
}

export async function listModels(
  pool: pg.Pool,
  opts: { includeArchived?: boolean } = {},
): Promise<ModelRecord[]> {
  const res = await pool.query<ModelRow>(
    `SELECT ${MODEL_COLUMNS} FROM models WHERE $1 OR archived_at IS NULL ORDER BY namespace, name`,
    [opts.includeArchived ?? false],
  );
  return res.rows.map(toModel);
}

/** Marks the model archived (its versions, aliases and history stay readable). */
export async function archiveModel(pool: pg.Pool, ref: ModelRef): Promise<ModelRecord> {
  const res = await pool.query<ModelRow>(
    `UPDATE models SET archived_at = COALESCE(archived_at, now()) WHERE namespace = $1 AND name = $2
     RETURNING ${MODEL_COLUMNS}`,
    [ref.namespace, ref.name],
  );
  if (!res.rows[0]) throw modelNotFound(ref);
  return toModel(res.rows[0]);
}

/** Locks the model row for the rest of the transaction, creating the model if needed. */
export async function lockModel(c: pg.PoolClient, ref: ModelRef, create: boolean): Promise<ModelRow> {
  checkModelRef(ref);
  if (create) {
    await c.query('INSERT INTO models (namespace, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      ref.namespace,
      ref.name,
    ]);
  }
  const res = await c.query<ModelRow>(
    `SELECT ${MODEL_COLUMNS} FROM models WHERE namespace = $1 AND name = $2 FOR UPDATE`,
    [ref.namespace, ref.name],
  );
  if (!res.rows[0]) throw modelNotFound(ref);
  return res.rows[0];
}
