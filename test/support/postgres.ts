// A real, throwaway PostgreSQL for tests: never a mock.
// With DATABASE_URL set, a fresh database is created on that server and dropped afterwards.
// Otherwise a new cluster is initialised in a temp folder and started on a random port.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

export interface TestPostgres {
  /** Connection URL of a database that belongs to this test alone. */
  url: string;
  /** Restart the server (throwaway clusters only); the URL stays valid. */
  restart?: () => Promise<void>;
  stop: () => Promise<void>;
}

const PG_BIN_CANDIDATES = [
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/17/bin',
];

function findPgBin(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return fromEnv;
  for (const dir of PG_BIN_CANDIDATES) if (existsSync(join(dir, 'initdb'))) return dir;
  throw new Error(
    'PostgreSQL server binaries not found: install PostgreSQL (Debian: apt-get install postgresql) ' +
      'and set PG_BIN to the folder holding initdb, or set DATABASE_URL to a server the tests may create databases on',
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      lastError = err;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`PostgreSQL at ${url} did not accept connections: ${String(lastError)}`);
}

async function databaseOnServer(serverUrl: string): Promise<TestPostgres> {
  const name = `persona_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

async function throwawayCluster(): Promise<TestPostgres> {
  const bin = findPgBin();
  const dir = mkdtempSync(join(tmpdir(), 'persona-pg-'));
  const dataDir = join(dir, 'data');
  // PostgreSQL refuses to run as root; hand the folder to the postgres user then.
  const asRoot = process.getuid?.() === 0;
  let uid: number | undefined;
  let gid: number | undefined;
  if (asRoot) {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  execFileSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8'],
    {
      stdio: 'pipe',
      uid,
      gid,
    },
  );
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      { stdio: ['ignore', 'ignore', 'pipe'], uid, gid },
    );
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    try {
      await waitForServer(`postgres://postgres@127.0.0.1:${port}/postgres`, 20_000);
    } catch (err) {
      throw new Error(`${String(err)}\npostgres log:\n${stderr}`);
    }
  };
  const stopServer = async () => {
    const proc = server;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGINT'); // fast shutdown
    await exited;
  };
  const cleanup = () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    restart: async () => {
      await stopServer();
      await start();
    },
    stop: async () => {
      await stopServer();
      cleanup();
      process.removeListener('exit', cleanup);
    },
  };
}

/** Starts a database for one test file. Fails loudly with how to get PostgreSQL when there is none. */
export async function startPostgres(opts: { ownServer?: boolean } = {}): Promise<TestPostgres> {
  const shared = process.env.DATABASE_URL;
  if (shared && !opts.ownServer) return databaseOnServer(shared);
  return throwawayCluster();
}
