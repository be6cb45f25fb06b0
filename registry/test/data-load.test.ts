// Loading a CSV file into Postgres: the table made from the header and a typed sample, quoted
// fields carried through COPY, and bad files refused naming the line and the column.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { DataLoadError, loadCsv } from '../src/data/load.ts';

let db: TestPostgres;
let dir: string;

before(async () => {
  db = await startPostgres();
  dir = await mkdtemp(join(tmpdir(), 'persona-load-'));
});

after(async () => {
  await db?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('loadCsv', () => {
  test('creates the table from the header, typing numeric and text columns, and loads every row', async () => {
    const csvPath = await file(
      'people.csv',
      '\uFEFF age ,note,income\r\n30,"multi\nline, with comma",1.5\r\n41,"said ""hi""",\r\n',
    );
    const r = await loadCsv({ db: db.url, table: 'people', csvPath });
    assert.deepEqual(r, { rows: 2, created: true, columns: ['age', 'note', 'income'] });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const types = await client.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'people' ORDER BY ordinal_position`,
      );
      assert.deepEqual(
        types.rows.map((t) => [t.column_name, t.data_type]),
        [
          ['age', 'double precision'],
          ['note', 'text'],
          ['income', 'double precision'],
        ],
      );
      const rows = await client.query('SELECT age, note, income FROM people ORDER BY age');
      assert.deepEqual(rows.rows, [
        { age: 30, note: 'multi\nline, with comma', income: 1.5 },
        { age: 41, note: 'said "hi"', income: null },
      ]);
    } finally {
      await client.end();
    }
  });

  test('a bad file is refused naming the file, the line and the column, and nothing is created', async () => {
    const cases: [string, RegExp][] = [
      ['a,b\n1,2\n3\n', /short\.csv line 3: column 2: expected 2 fields as in the header, got 1$/],
      ['a,b\n1,"2\n', /short\.csv line 2: column 2: unterminated quoted field$/],
      ['a,a\n1,2\n', /short\.csv line 1: column 2: duplicate column "a" in the header$/],
      ['', /short\.csv line 1: empty file/],
    ];
    for (const [text, message] of cases) {
      const csvPath = await file('short.csv', text);
      await assert.rejects(loadCsv({ db: db.url, table: 'short', csvPath }), (err: unknown) => {
        assert.ok(err instanceof DataLoadError, String(err));
        assert.match(err.message, message);
        return true;
      });
    }
    await assert.rejects(loadCsv({ db: db.url, table: 't', csvPath: join(dir, 'none.csv') }), /no such file/);
  });
});
