// `persona data load` and `persona train --postgres --query` against a real, throwaway Postgres.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, freePort, type TestPostgres } from '../../test/support/postgres.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'cli/bin/persona.js');

function persona(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

describe('persona data load / train --postgres', () => {
  let db: TestPostgres;
  let dir = '';
  before(async () => {
    db = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'persona-pg-'));
  });
  after(async () => {
    await db?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('loads the generated January batch and trains from a query', async () => {
    const g = await persona('data', 'generate', '--scenario', 'seed', '--out', dir, '--rows', '150');
    assert.equal(g.code, 0, g.stderr);
    const l = await persona(
      'data',
      'load',
      '--postgres',
      db.url,
      '--table',
      'survey',
      '--file',
      join(dir, 'january.csv'),
    );
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /loaded 150 rows into survey/);
    const t = await persona(
      'train',
      '--postgres',
      db.url,
      '--query',
      'SELECT * FROM survey',
      '--personas',
      join(dir, 'personas.yaml'),
      '--k',
      '6',
      '--n-init',
      '2',
      '--json',
    );
    assert.equal(t.code, 0, t.stderr);
    const summary = JSON.parse(t.stdout) as { k: number; rows: number; personas: { name: string }[] };
    assert.equal(summary.rows, 150);
    assert.equal(summary.k, 6);
    assert.ok(summary.personas.some((p) => p.name === 'Sustainable Steve'));
    assert.ok(!t.stderr.includes(db.url), 'the database URL is never printed');
  });

  test('a bad query or bad cells exit 2; an unreachable database exits 1', async () => {
    const bad = await persona('train', '--postgres', db.url, '--query', 'SELECT * FROM nowhere', '--json');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /query failed: .*"nowhere" does not exist/);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('CREATE TABLE holes (a double precision, b double precision)');
    await client.query('INSERT INTO holes VALUES (1, 2), (3, NULL)');
    await client.end();
    const nul = await persona(
      'train',
      '--postgres',
      db.url,
      '--query',
      'SELECT a, b FROM holes',
      '--k',
      '1',
      '--json',
    );
    assert.equal(nul.code, 2, nul.stderr);
    assert.match(nul.stderr, /column "b", row 2: missing value/);

    const port = await freePort();
    const down = await persona(
      'train',
      '--postgres',
      `postgres://nobody@127.0.0.1:${port}/x`,
      '--query',
      'SELECT 1',
      '--json',
    );
    assert.equal(down.code, 1, down.stderr);
    assert.match(down.stderr, /database unreachable, try again/);
  });
});
