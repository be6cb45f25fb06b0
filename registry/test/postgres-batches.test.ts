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
        // Rows before the failing one (row 7000) arrive as the server's buffers fill, so the
        // count read before the error is some number below 7000; the message names the next row.
        const m = /failed after (\d+) rows, while reading row (\d+) or a later one: division by zero/.exec(
          err.message,
        );
        assert.ok(m, err.message);
        assert.ok(Number(m[1]) > 0 && Number(m[1]) < 7000, err.message);
        assert.equal(Number(m[2]), Number(m[1]) + 1);
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

  test('binary COPY (a URL) and the cursor (a client) read every supported type to the same values', async () => {
    await client.query(`CREATE TABLE typed AS SELECT * FROM (VALUES
      (1::int2, 2::int4, 9007199254740993::int8, 0.1::float8, 123456789.123456789::numeric, 'online'::text, 'é ☕'::varchar(10), 'ab'::char(4), 7::int4),
      (-3::int2, -40000::int4, -5::int8, -2.5e-300::float8, -0.00000000000000000001::numeric, '', 'x', 'abcd', 8),
      (0::int2, 0::int4, 0::int8, 1e300::float8, 99999999999999999999.5::numeric, 'store', 'y', 'z', 9),
      (5::int2, 6::int4, 7::int8, 8::float8, 0::numeric, 'online', 'é ☕', 'ab', 10)
    ) AS t(a, b, c, d, e, f, g, h, cat)`);
    const query = 'SELECT * FROM typed;';
    const columns = [
      ...['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'numeric' as const })),
      ...['f', 'g', 'h', 'cat', 'a', 'd'].map((name) => ({ name, type: 'categorical' as const })),
    ];
    try {
      const viaCopy = await readPostgresTable({ db: db.url, query, columns, rowLimit: 10 });
      const viaCursor = await readPostgresTable({ db: client, query, columns, rowLimit: 10 });
      assert.deepEqual(viaCopy, viaCursor);
      assert.deepEqual(Array.from(viaCopy.columns[2].values as Float64Array), [9007199254740992, -5, 0, 7]);
      assert.deepEqual(viaCopy.columns[7].values, ['ab  ', 'abcd', 'z', 'ab']); // char(4) pads only the typed first row
    } finally {
      await client.query('DROP TABLE typed');
    }
  });

  test('a NULL or NaN in a numeric column names the column and row on either path', async () => {
    const cases: [string, RegExp][] = [
      ["SELECT v FROM (VALUES (1::numeric), (2), ('NaN')) t(v)", /column "v", row 3: .*not a finite number/],
      ['SELECT v FROM (VALUES (1::float8), (NULL)) t(v)', /column "v", row 2: missing value \(NULL\)/],
    ];
    for (const source of [db.url, client]) {
      for (const [query, message] of cases) {
        await assert.rejects(
          readPostgresTable({ db: source, query, columns: [{ name: 'v', type: 'numeric' }], rowLimit: 10 }),
          message,
        );
      }
    }
  });

  test('a column type without a binary decoder is read through the cursor, failures named by batch', async () => {
    const source = await openPostgresBatches({
      db: db.url,
      query: 'SELECT x::float4 AS x, 1 / (id - 7000) AS y FROM points',
      columns: [{ name: 'x', type: 'numeric' }],
      batchSize: 5000,
    });
    try {
      await assert.rejects(
        collect(source),
        /failed after 5000 rows, while reading rows 5001 to 10000: division by zero/,
      );
    } finally {
      await source.close();
    }
    const table = await readPostgresTable({
      db: db.url,
      query: 'SELECT md5(id::text)::uuid AS id, x FROM points',
      rowLimit: 20_000,
    });
    assert.equal(table.rowCount, 12000);
    assert.equal(table.columns[0].type, 'categorical');
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
