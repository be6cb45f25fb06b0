// Persona diffs between versions: the trainer stores the diff of each new version against
// production once; the operator's promotion gate, status and `persona versions --diff` read it.
import type pg from 'pg';
import { compileCheck } from '@persona-operator/core/schema/check';
import { PersonaDiffSchema, type PersonaDiff } from '@persona-operator/core/personas/diff';
import { RegistryError, RegistryNotFoundError, sqlState } from './errors.ts';
import { describeModel, modelNotFound, type ModelRef } from './models.ts';

export interface StoredVersionDiff {
  diff: PersonaDiff;
  createdAt: Date;
}

const checkDiff = compileCheck(PersonaDiffSchema, '(diff)');

/** The diff as stored, or a RegistryError naming the field that is wrong. */
function parseDiff(doc: unknown): PersonaDiff {
  const checked = checkDiff(doc);
  if (!checked.ok) {
    const { field, problem } = checked.error;
    throw new RegistryError(`${field.startsWith('(') ? field : `diff.${field}`}: ${problem}`);
  }
  return checked.value;
}

/**
 * Stores the diff of (fromVersion, toVersion). The first diff stored for a pair is kept: a
 * retried Job computes the same diff, and the stored one is what was judged. Returns that one.
 */
export async function storeVersionDiff(
  pool: pg.Pool,
  ref: ModelRef,
  diff: PersonaDiff,
): Promise<StoredVersionDiff> {
  const checked = parseDiff(diff);
  if (checked.fromVersion === checked.toVersion) {
    throw new RegistryError(`diff: fromVersion and toVersion are both ${checked.fromVersion}`);
  }
  try {
    await pool.query(
      `INSERT INTO version_diffs (model_id, from_version, to_version, diff)
       SELECT m.id, $3, $4, $5 FROM models m WHERE m.namespace = $1 AND m.name = $2
       ON CONFLICT (model_id, from_version, to_version) DO NOTHING`,
      [ref.namespace, ref.name, checked.fromVersion, checked.toVersion, JSON.stringify(checked)],
    );
  } catch (err) {
    // 23503: a version the diff names is not registered.
    if (sqlState(err) === '23503') {
      throw new RegistryNotFoundError(
        `${describeModel(ref)}: versions ${checked.fromVersion} and ${checked.toVersion} must both be registered to store their diff`,
      );
    }
    throw err;
  }
  const stored = await getVersionDiff(pool, ref, checked.fromVersion, checked.toVersion);
  if (!stored) throw modelNotFound(ref);
  return stored;
}

/** The stored diff from `fromVersion` to `toVersion`, if one was stored. */
export async function getVersionDiff(
  pool: pg.Pool,
  ref: ModelRef,
  fromVersion: number,
  toVersion: number,
): Promise<StoredVersionDiff | undefined> {
  const res = await pool.query<{ diff: unknown; created_at: Date }>(
    `SELECT d.diff, d.created_at FROM version_diffs d JOIN models m ON m.id = d.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND d.from_version = $3 AND d.to_version = $4`,
    [ref.namespace, ref.name, fromVersion, toVersion],
  );
  const row = res.rows[0];
  return row ? { diff: parseDiff(row.diff), createdAt: row.created_at } : undefined;
}
