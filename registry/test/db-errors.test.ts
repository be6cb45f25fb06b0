// The one policy for database failures, on errors a real Postgres raises where it can: what the
// request got wrong is permanent, what the server or the connection went through is transient.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { freePort, startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { classifyDbError, sqlState } from '../src/errors.ts';

let db: TestPostgres;

/** The error Postgres raises for `sql`, run on a fresh connection to `url`. */
async function failure(url: string, sql = 'SELECT 1'): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(sql);
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error(`expected ${sql} to fail`);
}

before(async () => {
  db = await startPostgres();
});

after(async () => {
  await db?.stop();
});

describe('classifyDbError', () => {
  test('what the request got wrong is permanent, with its SQLSTATE', async () => {
    const cases: [string, string, string][] = [
      ['an undefined table', 'SELECT * FROM nowhere', '42P01'],
      ['an undefined column', 'SELECT salary FROM pg_class', '42703'],
      ['a syntax error', 'SELEC 1', '42601'],
      ['a bad cast', "SELECT 'n/a'::int", '22P02'],
      ['a division by zero', 'SELECT 1 / 0', '22012'],
      ['an unknown schema', 'CREATE TABLE nope.t (x int)', '3F000'],
    ];
    for (const [what, sql, code] of cases) {
      const err = await failure(db.url, sql);
      assert.equal(sqlState(err), code, what);
      assert.equal(classifyDbError(err), 'permanent', what);
    }
    const unknownDb = new URL(db.url);
    unknownDb.pathname = '/no_such_database';
    const err = await failure(unknownDb.href);
    assert.equal(sqlState(err), '3D000');
    assert.equal(classifyDbError(err), 'permanent');
  });

  test('an unreachable server is transient', async () => {
    const closed = new URL(db.url);
    closed.port = String(await freePort());
    assert.equal(classifyDbError(await failure(closed.href)), 'transient');
  });

  test('server trouble, and SQLSTATEs not known to blame the request, are transient', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['57P01', '53300', '40001', '40P01', '08006', 'XX000', '58030']) {
      assert.equal(classifyDbError(coded(code)), 'transient', code);
    }
    assert.equal(classifyDbError(new Error('Connection terminated unexpectedly')), 'transient');
  });

  test('anything else is not a database failure; a cause carries its SQLSTATE', () => {
    assert.equal(classifyDbError(new Error('something odd')), undefined);
    assert.equal(classifyDbError(Object.assign(new Error('nope'), { code: 'EPERM' })), undefined);
    assert.equal(classifyDbError(Object.assign(new Error('gone'), { code: 404 })), undefined);
    const wrapped = new Error('loading failed', { cause: Object.assign(new Error('x'), { code: '28P01' }) });
    assert.equal(sqlState(wrapped), '28P01');
    assert.equal(classifyDbError(wrapped), 'permanent');
  });
});
