// The connection pool every aggregate module queries through, and the one transaction helper
// they share: BEGIN, run, COMMIT, or ROLLBACK on any error, always releasing the client.
import pg from 'pg';

export interface PoolOptions {
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Pool size (default 4). */
  max?: number;
  /** How long to wait for a connection before failing (default 10 s). */
  connectTimeoutMs?: number;
}

/** Opens a pool and checks the database answers (so an unreachable registry fails here). */
export async function openPool(url: string, opts: PoolOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: opts.applicationName ?? 'persona',
    max: opts.max ?? 4,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
  });
  // An idle client losing its connection (Postgres restarted) emits here; the pool discards
  // it and the next query reconnects, so this must not crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return pool;
}

export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** bigint ids arrive from pg as strings. */
export const toNumber = (v: string | number): number => (typeof v === 'number' ? v : Number(v));
