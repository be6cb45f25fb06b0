// Serving stored drift reports against a real, throwaway Postgres, through a plain node:http
// server as the operator's manager mounts them: the HTML page with a strict content policy, the
// JSON form, 404 for unknown ids, 400 for malformed ones, 503 while the registry is down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeDrift } from '@persona-operator/core/drift/index';
import { renderDriftReportHtml } from '@persona-operator/core/drift/report-html';
import { Registry } from '@persona-operator/registry';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import {
  handleReportRequest,
  type ReportDeps,
  type ReportJson,
  type ReportSource,
} from '../../src/reports/server.ts';

let db: TestPostgres;
let registry: Registry;
let url: string;
let closeServer: () => Promise<void>;
let withHtml: number;
let withoutHtml: number;

// Who may read which report is the access test's subject (on a real API server); here every
// caller may read every namespace.
const everyone: ReportDeps['access'] = {
  decide: () =>
    Promise.resolve({ ok: true, viewer: { describe: 'test', mayRead: () => Promise.resolve(true) } }),
};

/** A node:http server answering reports from `source` and 'other route' for anything else. */
async function serve(source: ReportSource): Promise<{ base: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    void handleReportRequest({ source, access: everyone }, req, res).then((handled) => {
      if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('other route\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function column(n: number, shift: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 40 + shift + 10 * Math.sin(i * 1.7));
}

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url);
  await registry.migrate();
  await registry.ensureModel({ namespace: 'shop', name: 'customers' });
  const report = computeDrift(
    { columns: [{ name: 'age', type: 'numeric', values: column(200, 0) }] },
    { columns: [{ name: 'age', type: 'numeric', values: column(150, 6) }] },
  );
  const base = {
    monitor: 'shop/customers-drift',
    model: { namespace: 'shop', name: 'customers', version: 1 },
    driftDetected: report.driftDetected,
    share: report.driftShare,
    columns: report.columns.map((c) => ({
      name: c.name,
      test: c.test,
      statistic: c.statistic,
      pValue: c.pValue,
      threshold: c.threshold,
      drifted: c.drifted,
    })),
  };
  withHtml = (
    await registry.insertDriftReport({
      ...base,
      runId: 'run-1',
      details: { rule: report.rule, fired: report.fired },
      html: renderDriftReportHtml(report, { title: 'Drift report: shop/customers-drift' }),
    })
  ).id;
  withoutHtml = (await registry.insertDriftReport(base)).id;
  ({ base: url, close: closeServer } = await serve(registry));
});

after(async () => {
  await closeServer?.();
  await registry?.close();
  await db?.stop();
});

describe('GET /reports/:id', () => {
  test('the HTML page, with a content policy that allows nothing but inline styles', async () => {
    const res = await fetch(`${url}/reports/${withHtml}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(
      String(res.headers.get('content-security-policy')),
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const body = await res.text();
    assert.match(body, /^<!DOCTYPE html>/i);
    assert.match(body, /Drift report: shop\/customers-drift/);
    assert.match(body, /<svg/);
  });

  test('the JSON form: results and a link to the page, no HTML inside', async () => {
    const res = await fetch(`${url}/reports/${withHtml}.json`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^application\/json/);
    const body = await res.text();
    const doc = JSON.parse(body) as ReportJson;
    assert.equal(doc.id, withHtml);
    assert.equal(doc.monitor, 'shop/customers-drift');
    assert.equal(doc.runId, 'run-1');
    assert.deepEqual(doc.model, { namespace: 'shop', name: 'customers', version: 1 });
    assert.equal(doc.driftDetected, true);
    assert.equal(doc.columns[0].name, 'age');
    assert.deepEqual(doc.details, { rule: { anyOf: ['features'] }, fired: ['features'] });
    assert.equal(doc.html, `/reports/${withHtml}`);
    assert.ok(!body.includes('<svg'), 'the page is not embedded');
  });

  test('unknown ids are 404, malformed ids 400 (HTML route: plain text, JSON route: JSON)', async () => {
    const unknown = await fetch(`${url}/reports/999999`);
    assert.equal(unknown.status, 404);
    assert.equal(await unknown.text(), 'there is no drift report 999999\n');
    const unknownJson = await fetch(`${url}/reports/999999.json`);
    assert.equal(unknownJson.status, 404);
    assert.deepEqual(await unknownJson.json(), { error: 'there is no drift report 999999' });
    for (const bad of ['abc', '0', '-1', '1.5', '01', '1e3', '12345678901234567890', '%27%3B']) {
      const res = await fetch(`${url}/reports/${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match(await res.text(), /^report id must be a positive integer, got /, bad);
    }
    const badJson = await fetch(`${url}/reports/abc.json`);
    assert.equal(badJson.status, 400);
    assert.deepEqual(await badJson.json(), { error: 'report id must be a positive integer, got "abc"' });
  });

  test('a report stored without a page: 404 for the page pointing at the JSON, JSON still served', async () => {
    const page = await fetch(`${url}/reports/${withoutHtml}`);
    assert.equal(page.status, 404);
    assert.match(await page.text(), new RegExp(`see /reports/${withoutHtml}\\.json`));
    const doc = (await (await fetch(`${url}/reports/${withoutHtml}.json`)).json()) as ReportJson;
    assert.equal(doc.html, null);
    assert.equal(doc.runId, null);
    assert.equal(doc.details, null, 'stored without details');
  });

  test('other paths are left to the caller', async () => {
    const other = await fetch(`${url}/healthz`);
    assert.equal(await other.text(), 'other route\n');
  });

  test('HEAD has headers only; other methods 405; bad paths 400/404', async () => {
    const head = await fetch(`${url}/reports/${withHtml}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 0);
    assert.equal(await head.text(), '');
    const post = await fetch(`${url}/reports/${withHtml}`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${url}/reports/%E0%A4%A`)).status, 400);
    assert.equal((await fetch(`${url}/reports/1/2`)).status, 404);
    assert.equal((await fetch(`${url}/reports/x`)).status, 400);
  });
});

describe('registry outages', () => {
  test('an unreachable registry answers 503, a failing one 500, never a crash', async () => {
    const down = await serve({
      getDriftReport: () =>
        Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    });
    const broken = await serve({ getDriftReport: () => Promise.reject(new Error('boom')) });
    try {
      const res = await fetch(`${down.base}/reports/1.json`);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { error: 'the registry is unreachable; try again shortly' });
      const res2 = await fetch(`${broken.base}/reports/1`);
      assert.equal(res2.status, 500);
      assert.equal(await res2.text(), 'the report could not be read from the registry\n');
    } finally {
      await down.close();
      await broken.close();
    }
  });
});
