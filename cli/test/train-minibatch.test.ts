// `persona train --algorithm minibatch` streams a table larger than the trainer's own heap: the
// process runs with --max-old-space-size below the table's size and still trains, while Lloyd,
// which holds the rows, runs out of memory under the same limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'cli/bin/persona.js');
const HEAP_MB = 48;
const ROWS = 700_000;
const COLUMNS = 10;

function persona(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`--max-old-space-size=${HEAP_MB}`, bin, ...args],
      { cwd: root, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

describe(`persona train on ${ROWS} rows x ${COLUMNS} with a ${HEAP_MB} MB heap`, () => {
  let db: TestPostgres;
  before(async () => {
    db = await startPostgres();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // Four groups (row i in group i % 4) with a deterministic pseudo-random spread.
    const noise = (t: number) => `abs(sin(i * 12.9898 + ${t} * 78.233)) * 43758.5453`;
    const cols = Array.from(
      { length: COLUMNS },
      (_, t) => `(i % 4) * ${3 + t} + ${noise(t)} - floor(${noise(t)}) AS f${t}`,
    );
    await client.query(`CREATE TABLE big AS SELECT ${cols.join(', ')} FROM generate_series(1, ${ROWS}) i`);
    await client.end();
  });
  after(async () => {
    await db?.stop();
  });

  test('the rows as doubles are larger than the heap limit', () => {
    assert.ok(ROWS * COLUMNS * 8 > HEAP_MB * 1024 * 1024);
  });

  test('minibatch streams the table and trains', async () => {
    const r = await persona([
      'train',
      ...['--postgres', db.url, '--query', 'SELECT * FROM big'],
      ...['--algorithm', 'minibatch', '--k', '3..5', '--n-init', '2', '--json'],
    ]);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const summary = JSON.parse(r.stdout) as { k: number; rows: number; perK: { k: number }[] };
    assert.equal(summary.rows, ROWS);
    assert.equal(summary.k, 4, 'the four groups');
    assert.deepEqual(
      summary.perK.map((m) => m.k),
      [3, 4, 5],
    );
    assert.match(r.stderr, /mini-batch pass 1/);
  });

  test('lloyd, holding the rows, runs out of memory under the same limit', async () => {
    const r = await persona([
      'train',
      ...['--postgres', db.url, '--query', 'SELECT * FROM big'],
      ...['--algorithm', 'lloyd', '--k', '3..5', '--n-init', '1', '--json', '--quiet'],
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /heap out of memory/i);
  });
});
