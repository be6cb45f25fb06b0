// The drift Job against a real, throwaway Postgres (registry and data in the same server): a
// model trained on the seed scenario's January is in production; February's data does not
// drift, March's does; every bad input exits 2 with a message saying what is wrong, an
// unreachable registry exits 1. In-process, and the real CLI as a child process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../../test/support/postgres.ts';
import { captureLog } from './support/capture-log.ts';
import type { DriftJobSpec } from '@persona-operator/jobs/drift-spec';
import { runDriftJob } from '../src/driftcheck/job.ts';
import {
  driftSpec as spec,
  loadTable,
  MODEL,
  month,
  query,
  runJob,
  scenario,
  startDriftFixture,
  type DriftFixture,
} from './support/drift-fixture.ts';

const BIN = fileURLToPath(new URL('../../cli/bin/persona.js', import.meta.url));

let fixture: DriftFixture;
let db: DriftFixture['db'];
let registry: DriftFixture['registry'];

before(async () => {
  fixture = await startDriftFixture();
  ({ db, registry } = fixture);
  // A model with a version but nothing promoted.
  await registry.registerVersion({
    model: { namespace: 'shop', name: 'unpromoted' },
    runId: 'u-1',
    artifact: fixture.artifact,
  });
  await loadTable(db.url, 'survey_feb', month('february'));
  await loadTable(db.url, 'survey_mar', month('march'));
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await c.query('CREATE TABLE survey_bad AS SELECT * FROM survey_feb');
  await c.query('ALTER TABLE survey_bad ALTER COLUMN income TYPE text');
  await c.query(
    "UPDATE survey_bad SET income = 'n/a' WHERE ctid = (SELECT ctid FROM survey_bad LIMIT 1 OFFSET 4)",
  );
  await c.end();
});

after(async () => {
  await fixture?.close();
});

const run = (s: DriftJobSpec, runId: string, opts: { registryUrl?: string; now?: Date } = {}) =>
  runJob(db.url, s, runId, opts);

describe('drift job: the seed scenario', () => {
  test('February against the January model: no drift, report and HTML stored under the run id', async () => {
    const r = await run(spec(query('SELECT * FROM survey_feb')), 'drift-feb');
    assert.equal(r.exitCode, 0, JSON.stringify(r.line));
    assert.ok('reportId' in r.line);
    assert.equal(r.line.driftDetected, false);
    assert.ok(r.line.driftShare < 0.5, `drift share ${r.line.driftShare}`);
    assert.equal(r.line.version, 1);
    assert.equal(r.line.model, 'shop/customers');
    const stored = await registry.getDriftReportByRun('shop/customers-drift', 'drift-feb');
    assert.equal(stored?.id, r.line.reportId);
    assert.equal(stored?.columns.length, 9);
    assert.deepEqual(
      stored?.columns.map((c) => c.name),
      scenario.features.map((f) => f.name),
    );
    assert.equal(stored?.summary.currentRows, 400);
    assert.equal(stored?.summary.referenceRows, 400);
    assert.match(stored?.html ?? '', /<svg/);
    assert.match(stored?.html ?? '', /shop\/customers-drift/);
    const phases = r.lines.map((l) => l.phase);
    for (const p of ['connect', 'reference', 'read', 'compare', 'done']) assert.ok(phases.includes(p), p);
    assert.ok(!JSON.stringify(r.lines).includes(db.url), 'the database URL is never logged');
  });

  test('March against the January model: drift, with the shifted columns named', async () => {
    const r = await run(spec(query('SELECT * FROM survey_mar')), 'drift-mar');
    assert.equal(r.exitCode, 0, JSON.stringify(r.line));
    assert.ok('reportId' in r.line);
    assert.equal(r.line.driftDetected, true);
    assert.ok(r.line.driftShare >= 0.5, `drift share ${r.line.driftShare}`);
    for (const name of ['income', 'monthly_spend', 'preferred_channel'])
      assert.ok(r.line.driftedColumns.includes(name), `${name} drifted: ${r.line.driftedColumns.join(', ')}`);
    const stored = await registry.getDriftReport(r.line.reportId);
    assert.equal(stored?.driftDetected, true);
    const income = stored?.columns.find((c) => c.name === 'income');
    assert.equal(income?.test, 'ks', 'Evidently default for <= 1000 reference rows');
    assert.ok((income?.pValue ?? 1) <= 0.05);
  });

  test('a retried run returns the report it stored and writes no second one', async () => {
    const before = await registry.listDriftReports('shop/customers-drift', { limit: 100 });
    const r = await run(spec(query('SELECT * FROM survey_mar')), 'drift-mar');
    assert.equal(r.exitCode, 0);
    const first = before.find((x) => x.runId === 'drift-mar');
    assert.ok('reportId' in r.line);
    assert.equal(r.line.reportId, first?.id);
    const afterRun = await registry.listDriftReports('shop/customers-drift', { limit: 100 });
    assert.equal(afterRun.length, before.length);
  });

  test('test overrides from the spec are applied (per-feature threshold, drift share)', async () => {
    const r = await run(
      spec(query('SELECT * FROM survey_feb'), {
        tests: { numeric: 'wasserstein', perFeature: { age: { threshold: 0 } }, driftShare: 0.1 },
      }),
      'drift-feb-overrides',
    );
    assert.equal(r.exitCode, 0, JSON.stringify(r.line));
    const stored = await registry.getDriftReportByRun('shop/customers-drift', 'drift-feb-overrides');
    const age = stored?.columns.find((c) => c.name === 'age');
    assert.equal(age?.test, 'wasserstein');
    assert.equal(age?.threshold, 0);
    assert.equal(age?.drifted, true, 'a distance >= 0 always drifts');
    assert.equal(stored?.driftDetected, true, 'one of nine columns reaches a share of 0.1');
  });

  test('worker threads give the same report as one thread', async () => {
    const { logger } = captureLog();
    const threaded = await runDriftJob(
      spec(query('SELECT * FROM survey_mar'), { monitor: { namespace: 'shop', name: 'threads' } }),
      {
        registryUrl: db.url,
        runId: 'threads-2',
        logger,
        env: { PERSONA_DATA_URL: db.url },
        threads: 2,
      },
    );
    assert.equal(threaded.exitCode, 0, JSON.stringify(threaded.line));
    const single = await registry.getDriftReportByRun('shop/customers-drift', 'drift-mar');
    assert.deepEqual(threaded.report?.columns, single?.columns);
  });

  test("the predictor's logged traffic over a window is the current data", async () => {
    const now = new Date('2026-03-31T12:00:00Z');
    const march = month('march');
    const entries = Array.from({ length: march.rowCount }, (_, i) => ({
      ...MODEL,
      version: 1,
      at: new Date(now.getTime() - 60_000 - i * 1000),
      features: Object.fromEntries(march.columns.map((c) => [c.name, c.values[i]])),
      persona: 'x',
    }));
    await registry.insertPredictionLog(entries);
    const r = await run(spec({ predictions: { windowSeconds: 3600 } }), 'drift-traffic', { now });
    assert.equal(r.exitCode, 0, JSON.stringify(r.line));
    assert.ok('reportId' in r.line && r.line.driftDetected);
    const stored = await registry.getDriftReport(r.line.reportId);
    assert.equal(stored?.summary.currentRows, 400);
    assert.equal(stored?.summary.windowSeconds, 3600);
    // The exact window read, so a retrain on the current data reads the same rows.
    assert.equal(stored?.summary.windowTo, now.toISOString());
    assert.equal(stored?.summary.windowFrom, new Date(now.getTime() - 3_600_000).toISOString());

    const empty = await run(spec({ predictions: { windowSeconds: 30 } }), 'drift-traffic-empty', { now });
    assert.equal(empty.exitCode, 2);
    assert.ok('error' in empty.line);
    assert.match(empty.line.error, /no predictions of shop\/customers were logged since/);
  });
});

describe('drift job: unusable current cells are counted, not a failure', () => {
  test('a non-numeric value is reported with its column and row and left out of the tests', async () => {
    const r = await run(spec(query('SELECT * FROM survey_bad')), 'drift-bad-cell');
    assert.equal(r.exitCode, 0, JSON.stringify(r.line));
    const stored = await registry.getDriftReportByRun('shop/customers-drift', 'drift-bad-cell');
    const [income0, ...others] = stored?.details?.badCells ?? [];
    assert.deepEqual(others, []);
    assert.equal(income0?.column, 'income');
    assert.equal(income0?.count, 1);
    assert.match(income0?.examples[0].at ?? '', /^row \d+$/);
    assert.equal(income0?.examples[0].problem, '"n/a" is not a finite number');
    const income = stored?.columns.find((c) => c.name === 'income');
    assert.ok(income && !income.drifted);
    assert.equal(stored?.details?.personas?.assignment.unassignedRows, 1);
    assert.equal(stored?.details?.personas?.assignment.assignedRows, 399);
    assert.match(stored?.html ?? '', /1 cell of the current data could not be used/);
    const warning = r.lines.find((l) => l.level === 40 && l.phase === 'read');
    assert.match(
      String(warning?.msg),
      /unusable current cells, counted as missing: income: 1 \(row \d+: "n\/a" is not a finite number\)/,
    );
  });
});

describe('drift job: bad input exits 2 with a clear message', () => {
  const cases: [string, DriftJobSpec, RegExp][] = [
    [
      'a missing model',
      spec(query('SELECT * FROM survey_feb'), { model: { namespace: 'shop', name: 'nope' } }),
      /model shop\/nope is not in the registry/,
    ],
    [
      'a model without a production version',
      spec(query('SELECT * FROM survey_feb'), { model: { namespace: 'shop', name: 'unpromoted' } }),
      /model shop\/unpromoted has no production version/,
    ],
    [
      'an unknown table (42P01)',
      spec(query('SELECT * FROM survey_apr')),
      /current\.postgres\.query failed: relation "survey_apr" does not exist \(SQLSTATE 42P01\)/,
    ],
    [
      'an unknown column in the query (42703)',
      spec(query('SELECT age, salary FROM survey_feb')),
      /current\.postgres\.query failed: column "salary" does not exist \(SQLSTATE 42703\)/,
    ],
    [
      'a query returning no rows',
      spec(query('SELECT * FROM survey_feb WHERE false')),
      /current\.postgres\.query: the query returned no rows/,
    ],
    [
      'feature columns missing from the current data',
      spec(query('SELECT age, income FROM survey_feb')),
      /current\.postgres\.query: column "eco_score" is not in the query result \(it has: age, income\)/,
    ],
    [
      'a per-feature test for a column the model lacks',
      spec(query('SELECT * FROM survey_feb'), { tests: { perFeature: { salary: { test: 'psi' } } } }),
      /tests\.perFeature names column "salary"/,
    ],
  ];
  for (const [what, s, message] of cases) {
    test(what, async () => {
      const r = await run(s, `bad-${what}`);
      assert.equal(r.exitCode, 2, JSON.stringify(r.line));
      assert.ok('error' in r.line);
      assert.match(r.line.error, message);
      assert.equal(r.line.kind, 'bad-input');
      const failed = r.lines.at(-1);
      assert.equal(failed?.phase, 'failed');
      assert.match(String(failed?.msg), message);
    });
  }

  test('the data URL variable not being set', async () => {
    const { logger } = captureLog();
    const r = await runDriftJob(spec(query('SELECT * FROM survey_feb')), {
      registryUrl: db.url,
      runId: 'no-env',
      logger,
      env: {},
    });
    assert.equal(r.exitCode, 2);
    assert.ok('error' in r.line);
    assert.match(r.line.error, /environment variable PERSONA_DATA_URL \(the data database URL\) is not set/);
  });

  test('an unreachable data database is transient: exit 1', async () => {
    const port = await freePort();
    const { logger, lines } = captureLog();
    const r = await runDriftJob(spec(query('SELECT * FROM survey_feb')), {
      registryUrl: db.url,
      runId: 'data-down',
      logger,
      env: { PERSONA_DATA_URL: `postgres://reader:hunter2-secret@127.0.0.1:${port}/survey` },
    });
    assert.equal(r.exitCode, 1, JSON.stringify(r.line));
    assert.ok('error' in r.line);
    assert.equal(r.line.kind, 'transient');
    assert.ok(!JSON.stringify(lines).includes('hunter2'), 'the password is never logged');
  });

  test('an unreachable registry is transient: exit 1', async () => {
    const port = await freePort();
    const r = await run(spec(query('SELECT 1')), 'unreachable', {
      registryUrl: `postgres://nobody:secret@127.0.0.1:${port}/none`,
    });
    assert.equal(r.exitCode, 1);
    assert.ok('error' in r.line);
    assert.equal(r.line.kind, 'transient');
    assert.ok(!JSON.stringify(r.lines).includes('secret'), 'the password is never logged');
  });
});

describe('persona drift Job mode (child process)', () => {
  function persona(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync(process.execPath, [BIN, 'drift', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PERSONA_REGISTRY_URL: '', PERSONA_DRIFT_SPEC: '', ...env },
    });
    const lines = r.stdout.trim().split('\n');
    return {
      code: r.status,
      lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>),
      stdout: r.stdout,
      stderr: r.stderr,
    };
  }

  test('flags: March drifts; JSON log lines, then the result as the last line', () => {
    const r = persona([
      '--registry',
      db.url,
      '--model',
      'shop/customers',
      '--monitor',
      'shop/cli-drift',
      '--run-id',
      'cli-mar',
      '--postgres',
      db.url,
      '--query',
      'SELECT * FROM survey_mar',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const last = r.lines.at(-1)!;
    assert.deepEqual(Object.keys(last), [
      'reportId',
      'monitor',
      'runId',
      'model',
      'version',
      'driftDetected',
      'fired',
      'driftShare',
      'driftedColumns',
    ]);
    assert.equal(last.driftDetected, true);
    assert.equal(last.monitor, 'shop/cli-drift');
    assert.equal(last.runId, 'cli-mar');
    assert.ok(r.lines.slice(0, -1).every((l) => l.name === 'persona-drift' && typeof l.msg === 'string'));
    assert.ok(!r.stdout.includes(db.url), 'no URL in the output');
  });

  test('spec in PERSONA_DRIFT_SPEC: February does not drift', () => {
    const s = {
      monitor: { namespace: 'shop', name: 'cli-drift' },
      model: MODEL,
      current: { postgres: { query: 'SELECT * FROM survey_feb', urlEnv: 'SURVEY_DB' } },
      runId: 'cli-feb',
    };
    const r = persona([], {
      PERSONA_REGISTRY_URL: db.url,
      PERSONA_DRIFT_SPEC: JSON.stringify(s),
      SURVEY_DB: db.url,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const last = r.lines.at(-1)!;
    assert.equal(last.driftDetected, false);
    assert.equal(last.runId, 'cli-feb');
  });

  test('a bad spec exits 2 naming the field, before touching the database', () => {
    const r = persona([], {
      PERSONA_REGISTRY_URL: db.url,
      PERSONA_DRIFT_SPEC: JSON.stringify({
        monitor: { namespace: 'shop', name: 'm' },
        model: MODEL,
        current: { predictions: { windowSeconds: 0 } },
      }),
    });
    assert.equal(r.code, 2);
    const last = r.lines.at(-1)!;
    assert.equal(last.error, 'drift spec: current.predictions.windowSeconds: must be >= 1, got 0');
    assert.equal(r.lines.at(-2)?.field, 'current.predictions.windowSeconds');
  });
});
