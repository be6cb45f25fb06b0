// Schema migrations for the registry, run by postgrator from registry/migrations.
// Several processes (operator replicas, trainer Jobs, `persona migrate`) may start at once, so
// the whole run happens in ONE transaction that first takes a transaction-scoped advisory lock:
// the second runner waits, then sees the first one's committed schema version and does nothing.
// Postgres DDL is transactional, so a failed migration leaves no half-applied schema behind.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Postgrator from 'postgrator';

/**
 * The migrations folder: beside the sources (registry/src -> registry/migrations), or, in the
 * container image where this module is bundled into dist/persona.mjs, at registry/migrations
 * next to dist/. PERSONA_MIGRATIONS_DIR overrides both.
 */
function migrationsDir(): string {
  const candidates = [
    process.env.PERSONA_MIGRATIONS_DIR,
    fileURLToPath(new URL('../migrations', import.meta.url)),
    fileURLToPath(new URL('../registry/migrations', import.meta.url)),
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(d));
  if (!found) throw new Error(`registry migrations not found in ${candidates.join(' or ')}`);
  return found;
}

/** Where postgrator records applied migrations; prefixed so it cannot clash with user tables. */
export const SCHEMA_TABLE = 'persona_schema_version';

// Arbitrary but fixed: every persona process agrees on it.
const MIGRATION_LOCK_KEY = 7_361_284_019;

export interface MigrationResult {
  /** Schema version before and after the run. */
  from: number;
  to: number;
  /** Names of the migrations this run applied (empty when the schema was current). */
  applied: string[];
}

/** Brings the registry schema up to date. Safe to call concurrently from many processes. */
export async function migrate(target: string | pg.PoolClient | pg.Client): Promise<MigrationResult> {
  const owned = typeof target === 'string';
  const client = owned
    ? new pg.Client({ connectionString: target, application_name: 'persona-migrate' })
    : target;
  if (owned) await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const postgrator = new Postgrator({
        driver: 'pg',
        migrationPattern: `${migrationsDir()}/*`,
        schemaTable: SCHEMA_TABLE,
        execQuery: (sql: string) => client.query(sql),
      });
      const from = await postgrator.getDatabaseVersion();
      const applied = await postgrator.migrate();
      const to = await postgrator.getDatabaseVersion();
      await client.query('COMMIT');
      return { from, to, applied: applied.map((m) => `${m.version}.${m.name}`) };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    if (owned) await (client as pg.Client).end();
  }
}
