// Aliases ("production", ...): one row per (model, alias), and every change recorded as an
// event (promote, rollback, refuse, remove) committed together with the change, under the
// model's row lock.
import type pg from 'pg';
import { toNumber, transaction } from './db.ts';
import { RegistryConflictError, RegistryError } from './errors.ts';
import { describeModel, lockModel, type ModelRef } from './models.ts';
import {
  toVersion,
  VERSION_COLUMNS,
  versionNotFound,
  type ModelVersion,
  type VersionRow,
} from './versions.ts';

export type AliasAction = 'promote' | 'rollback' | 'refuse' | 'remove';

export interface AliasEvent {
  id: number;
  namespace: string;
  name: string;
  alias: string;
  action: AliasAction;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string;
  at: Date;
}

export interface AliasChangeOptions {
  /** Who decided: "operator", "user:alice", ... */
  actor: string;
  reason: string;
  /**
   * Compare-and-set: the version the alias must point at now (null: unset), else
   * RegistryConflictError. Omit to set unconditionally.
   */
  expectedVersion?: number | null;
}

export interface AliasChange {
  /** False when the alias already pointed at that version (no new event then). */
  changed: boolean;
  /** The event written, or the latest one for the alias when nothing changed. */
  event: AliasEvent | null;
}

/** The select list for an AliasEvent over `alias_events e JOIN models m`. */
export const EVENT_COLUMNS = `e.id, m.namespace, m.name, e.alias, e.action, e.from_version, e.to_version, e.actor, e.reason, e.at`;

export interface EventRow {
  id: string;
  namespace: string;
  name: string;
  alias: string;
  action: AliasAction;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string;
  at: Date;
}

export const toEvent = (r: EventRow): AliasEvent => ({
  id: toNumber(r.id),
  namespace: r.namespace,
  name: r.name,
  alias: r.alias,
  action: r.action,
  fromVersion: r.from_version,
  toVersion: r.to_version,
  actor: r.actor,
  reason: r.reason,
  at: r.at,
});

const ALIAS_RE = /^[a-z][a-z0-9-]{0,62}$/;

function checkAlias(alias: string): void {
  if (!ALIAS_RE.test(alias)) {
    throw new RegistryError(`alias ${JSON.stringify(alias)} must be lower-case letters, digits and dashes`);
  }
}

function checkActor(opts: Pick<AliasChangeOptions, 'actor' | 'reason'>): void {
  if (!opts.actor) throw new RegistryError('alias changes need an actor');
  if (typeof opts.reason !== 'string') throw new RegistryError('alias changes need a reason');
}

function checkExpected(ref: ModelRef, alias: string, current: number | null, opts: AliasChangeOptions): void {
  if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) {
    throw new RegistryConflictError(
      `${alias} of ${describeModel(ref)} is ${current ?? 'unset'}, expected ${opts.expectedVersion ?? 'unset'}`,
    );
  }
}

/** The version an alias points at, if the alias is set. */
export async function aliasVersion(
  pool: pg.Pool,
  ref: ModelRef,
  alias: string,
): Promise<ModelVersion | undefined> {
  const res = await pool.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_aliases al
     JOIN models m ON m.id = al.model_id
     JOIN model_versions v ON v.model_id = al.model_id AND v.version = al.version
     WHERE m.namespace = $1 AND m.name = $2 AND al.alias = $3`,
    [ref.namespace, ref.name, alias],
  );
  return res.rows[0] ? toVersion(res.rows[0]) : undefined;
}

/**
 * Points `alias` at `version` and records the event (promote, or rollback when moving to an
 * older version) in one transaction. Setting the version it already has changes nothing.
 */
export async function setAlias(
  pool: pg.Pool,
  ref: ModelRef,
  alias: string,
  version: number,
  opts: AliasChangeOptions,
): Promise<AliasChange> {
  checkAlias(alias);
  checkActor(opts);
  return transaction(pool, async (c) => {
    const model = await lockModel(c, ref, false);
    const target = await c.query<{ status: string }>(
      'SELECT status FROM model_versions WHERE model_id = $1 AND version = $2',
      [model.id, version],
    );
    if (!target.rows[0]) throw versionNotFound(ref, version);
    if (target.rows[0].status !== 'ready') {
      throw new RegistryError(`version ${version} of ${describeModel(ref)} is ${target.rows[0].status}`);
    }
    const current = await currentAlias(c, model.id, alias);
    checkExpected(ref, alias, current, opts);
    if (current === version) {
      return { changed: false, event: await lastEvent(c, model.id, alias) };
    }
    await c.query(
      `INSERT INTO model_aliases (model_id, alias, version) VALUES ($1, $2, $3)
       ON CONFLICT (model_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
      [model.id, alias, version],
    );
    const action = current !== null && version < current ? 'rollback' : 'promote';
    const event = await insertEvent(c, model.id, alias, action, current, version, opts);
    return { changed: true, event };
  });
}

/** Unsets an alias and records the event; null when it was not set. */
export async function removeAlias(
  pool: pg.Pool,
  ref: ModelRef,
  alias: string,
  opts: AliasChangeOptions,
): Promise<AliasEvent | null> {
  checkActor(opts);
  return transaction(pool, async (c) => {
    const model = await lockModel(c, ref, false);
    const current = await currentAlias(c, model.id, alias);
    checkExpected(ref, alias, current, opts);
    if (current === null) return null;
    await c.query('DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2', [model.id, alias]);
    return insertEvent(c, model.id, alias, 'remove', current, null, opts);
  });
}

/** Records that promoting `version` to `alias` was refused (the gate said no), with why. */
export async function recordRefusal(
  pool: pg.Pool,
  ref: ModelRef,
  alias: string,
  version: number,
  opts: Omit<AliasChangeOptions, 'expectedVersion'>,
): Promise<AliasEvent> {
  checkAlias(alias);
  checkActor(opts);
  return transaction(pool, async (c) => {
    const model = await lockModel(c, ref, false);
    const current = await currentAlias(c, model.id, alias);
    return insertEvent(c, model.id, alias, 'refuse', current, version, opts);
  });
}

/**
 * Alias events of the model, newest first. Ordered by id: ids are taken under the model lock,
 * so they follow commit order, while a waiting transaction's now() can predate the winner's.
 */
export async function listAliasEvents(
  pool: pg.Pool,
  ref: ModelRef,
  opts: { alias?: string; limit?: number } = {},
): Promise<AliasEvent[]> {
  const res = await pool.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM alias_events e JOIN models m ON m.id = e.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND ($3::text IS NULL OR e.alias = $3)
     ORDER BY e.id DESC LIMIT $4`,
    [ref.namespace, ref.name, opts.alias ?? null, opts.limit ?? 100],
  );
  return res.rows.map(toEvent);
}

async function currentAlias(c: pg.PoolClient, modelId: string, alias: string): Promise<number | null> {
  const res = await c.query<{ version: number }>(
    'SELECT version FROM model_aliases WHERE model_id = $1 AND alias = $2',
    [modelId, alias],
  );
  return res.rows[0]?.version ?? null;
}

async function lastEvent(c: pg.PoolClient, modelId: string, alias: string): Promise<AliasEvent | null> {
  const res = await c.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM alias_events e JOIN models m ON m.id = e.model_id
     WHERE e.model_id = $1 AND e.alias = $2 ORDER BY e.id DESC LIMIT 1`,
    [modelId, alias],
  );
  return res.rows[0] ? toEvent(res.rows[0]) : null;
}

async function insertEvent(
  c: pg.PoolClient,
  modelId: string,
  alias: string,
  action: AliasAction,
  from: number | null,
  to: number | null,
  opts: Pick<AliasChangeOptions, 'actor' | 'reason'>,
): Promise<AliasEvent> {
  const res = await c.query<EventRow>(
    `WITH e AS (
       INSERT INTO alias_events (model_id, alias, action, from_version, to_version, actor, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp()) RETURNING *)
     SELECT ${EVENT_COLUMNS} FROM e JOIN models m ON m.id = e.model_id`,
    [modelId, alias, action, from, to, opts.actor, opts.reason],
  );
  return toEvent(res.rows[0]);
}
