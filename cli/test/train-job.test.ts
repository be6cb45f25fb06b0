// The new user's path through the CLI, as the README tells it, against a real throwaway
// Postgres: generate the January batch, load it, migrate, train into the registry (Job mode),
// list versions as lines and as JSON; and a Job handed a bad spec exits 2 with a JSON log line.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'cli/bin/persona.js');

function persona(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
      },
    );
  });
}

describe('persona train (Job mode) and persona versions', () => {
  let db: TestPostgres;
  let dir = '';
  before(async () => {
    db = await startPostgres();
    dir = await mkdtemp(join(tmpdir(), 'persona-trainer-cli-'));
  });
  after(async () => {
    await db?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('load January, migrate, train into the registry twice, list versions', async () => {
    const g = await persona(['data', 'generate', '--scenario', 'seed', '--out', dir, '--rows', '120']);
    assert.equal(g.code, 0, g.stderr);
    const l = await persona([
      'data',
      'load',
      '--postgres',
      db.url,
      '--table',
      'survey_january',
      '--csv',
      join(dir, 'january.csv'),
    ]);
    assert.equal(l.code, 0, l.stderr);
    const m = await persona(['migrate', '--registry', db.url]);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /migrated from version 0 to \d+: 1\.registry/);

    const train = (runId: string) =>
      persona([
        'train',
        '--registry',
        db.url,
        '--model',
        'shop/customers',
        '--run-id',
        runId,
        '--postgres',
        db.url,
        '--query',
        'SELECT * FROM survey_january',
        '--personas',
        join(dir, 'personas.yaml'),
        '--k',
        '2..6',
        '--n-init',
        '2',
        '--workers',
        '1',
      ]);
    const first = await train('run-a');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const lines = first.stdout
      .trim()
      .split('\n')
      .map((s) => JSON.parse(s) as Record<string, unknown>);
    const done = lines.at(-1)!;
    assert.equal(done.phase, 'done');
    assert.equal(done.version, 1);
    assert.equal(done.rows, 120);
    assert.ok(!first.stdout.includes(db.url), 'the URL (a secret) is not logged');
    const retry = await train('run-a');
    assert.equal(retry.code, 0);
    assert.match(retry.stdout, /"created":false/);
    const second = await train('run-b');
    assert.equal(second.code, 0);

    const v = await persona(['versions', '--registry', db.url, '--model', 'shop/customers']);
    assert.equal(v.code, 0, v.stderr);
    const rows = v.stdout.trim().split('\n');
    assert.equal(rows.length, 2);
    assert.match(
      rows[0],
      /^1 +\S+Z +ready +k=\d+ +silhouette=0\.\d{4} +inertia=[\d.]+ +rows=120 +aliases=- +trigger=- +data=Model\(120\)$/,
    );
    // --data: the part each version was trained on, below its line.
    const d = await persona(['versions', '--registry', db.url, '--model', 'shop/customers', '--data']);
    assert.match(
      d.stdout.split('\n')[1],
      /^ +model: query "SELECT \* FROM survey_january", 120 rows, sha256 [0-9a-f]{12}$/,
    );
    assert.match(rows[1], /^2 /);
    const j = await persona(['versions', '--registry', db.url, '--model', 'shop/customers', '--json']);
    const parsed = JSON.parse(j.stdout) as { version: number; runId: string; metrics: { k: number } }[];
    assert.deepEqual(
      parsed.map((p) => [p.version, p.runId]),
      [
        [1, 'run-a'],
        [2, 'run-b'],
      ],
    );
    assert.equal(parsed[0].metrics.k, Number(done.k));
  });

  test('data generate --postgres writes every month into one table with a month column', async () => {
    const g = await persona(['data', 'generate', '--scenario', 'seed', '--postgres', db.url, '--rows', '50']);
    assert.equal(g.code, 0, g.stderr);
    assert.match(
      g.stdout,
      /loaded 200 rows into survey \(created\): months 2025-01, 2025-02, 2025-03, 2025-04/,
    );
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const res = await c.query<{ month: string; n: string }>(
        'SELECT month, count(*) AS n FROM survey GROUP BY 1 ORDER BY 1',
      );
      assert.deepEqual(
        res.rows.map((r) => [r.month, Number(r.n)]),
        [
          ['2025-01', 50],
          ['2025-02', 50],
          ['2025-03', 50],
          ['2025-04', 50],
        ],
      );
    } finally {
      await c.end();
    }
    const again = await persona([
      'data',
      'generate',
      '--scenario',
      'seed',
      '--postgres',
      db.url,
      '--rows',
      '10',
    ]);
    assert.match(again.stdout, /loaded 40 rows into survey: /, 'a second run replaces the rows');
  });

  test('a bad spec in PERSONA_TRAINING_SPEC or --spec exits 2 naming the field', async () => {
    const badEnv = await persona(['train', '--registry', db.url], {
      PERSONA_TRAINING_SPEC: JSON.stringify({
        model: { namespace: 'shop', name: 'x' },
        features: [],
        data: {},
      }),
    });
    assert.equal(badEnv.code, 2);
    const log = JSON.parse(badEnv.stdout.trim().split('\n').at(-1)!) as { msg: string; field: string };
    assert.equal(log.field, 'features');
    const file = join(dir, 'spec.yaml');
    await writeFile(
      file,
      'model: {namespace: shop, name: x}\nfeatures: [{name: age}]\ndata: {postgres: {query: SELECT 1}, volume: {path: /x}}\n',
    );
    const badFile = await persona(['train', '--registry', db.url, '--spec', file, '--run-id', 'r']);
    assert.equal(badFile.code, 2);
    assert.match(
      badFile.stdout,
      /data: expected exactly one of postgres, gcs, volume, predictions, parts, got postgres and volume/,
    );
  });

  test('versions of an unknown model exits 2; an unreachable registry exits 1', async () => {
    const unknown = await persona(['versions', '--registry', db.url, '--model', 'shop/nobody']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /model shop\/nobody is not in the registry/);
    const down = await persona([
      'versions',
      '--registry',
      'postgres://postgres@127.0.0.1:1/postgres',
      '--model',
      'a/b',
    ]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /registry unreachable/);
  });
});
