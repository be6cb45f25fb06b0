// A query read as batches, pass after pass, against a real Postgres: every pass sees the same
// rows even when the table changes in between, and a query that fails half-way names the rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { DataSourceError, openPostgresBatches, readPostgresTable } from '../src/data/postgres-source.ts';
import { classifyDbError } from '../src/errors.ts';

let db: TestPostgres;
let client: pg.Client;

before(async () => {
  db = await startPostgres();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    'CREATE TABLE points AS SELECT i AS id, i::float8 / 7 AS x, (i % 3)::text AS g FROM generate_series(1, 12000) i',
  );
});

after(async () => {
  await client?.end();
  await db?.stop();
});

async function collect(source: {
  batches(): AsyncIterable<{ rowCount: number; columns: { values: ArrayLike<unknown> }[] }>;
}) {
  const sizes: number[] = [];
  let sum = 0;
  for await (const b of source.batches()) {
    sizes.push(b.rowCount);
    for (let i = 0; i < b.rowCount; i++) sum += Number(b.columns[0].values[i]);
  }
  return { sizes, sum };
}

describe('openPostgresBatches', () => {
  test('every pass reads the same rows in the same snapshot, in batches, typed from the result', async () => {
    const source = await openPostgresBatches({
      db: db.url,
      query: 'SELECT x, g FROM points',
      batchSize: 5000,
    });
    try {
      const first = await collect(source);
      assert.deepEqual(first.sizes, [5000, 5000, 2000]);
      // A change committed between passes is not seen: the passes share one snapshot.
      await client.query('INSERT INTO points SELECT 0, 1e6, $1', ['0']);
      const second = await collect(source);
      assert.deepEqual(second, first);
      for await (const b of source.batches()) {
        assert.deepEqual(
          b.columns.map((c) => [c.name, c.type]),
          [
            ['x', 'numeric'],
            ['g', 'categorical'],
          ],
        );
        break; // leaving early closes the cursor; the next pass still works
      }
      assert.deepEqual(await collect(source), first);
    } finally {
      await source.close();
      await client.query('DELETE FROM points WHERE id = 0');
    }
  });

  test('a query failing half-way is bad input naming the rows it failed among', async () => {
    const source = await openPostgresBatches({
      db: db.url,
      query: 'SELECT x, 1 / (id - 7000) AS y FROM points',
      batchSize: 5000,
    });
    try {
      await assert.rejects(collect(source), (err: Error) => {
        assert.ok(err instanceof DataSourceError, String(err));
        assert.match(
          err.message,
          /failed after 5000 rows, while reading rows 5001 to 10000: division by zero/,
        );
        return true;
      });
      await assert.rejects(collect(source), /an earlier pass over the query failed/);
    } finally {
      await source.close();
    }
  });

  test('a query failing at once keeps the database error (and its classification)', async () => {
    const source = await openPostgresBatches({ db: db.url, query: 'SELECT x FROM nowhere' });
    try {
      await assert.rejects(collect(source), (err: Error) => {
        assert.ok(!(err instanceof DataSourceError));
        assert.equal(classifyDbError(err), 'permanent');
        return true;
      });
    } finally {
      await source.close();
    }
  });

  test('readPostgresTable still holds the whole result and stops at the row limit', async () => {
    const table = await readPostgresTable({ db: db.url, query: 'SELECT x FROM points', rowLimit: 20_000 });
    assert.equal(table.rowCount, 12000);
    await assert.rejects(
      readPostgresTable({ db: db.url, query: 'SELECT x FROM points', rowLimit: 11_999 }),
      /more than the row limit of 11999 rows/,
    );
  });
});
