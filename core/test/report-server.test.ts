// Serving stored drift reports against a real, throwaway Postgres: the HTML page with a strict
// content policy, the JSON form, 404 for unknown ids, 400 for malformed ones, 503 while the
// registry is down; through fastify (app.inject) and through a plain node:http server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { computeDrift } from '../src/drift/index.ts';
import { renderDriftReportHtml } from '../src/drift/report-html.ts';
import { handleReportRequest, reportUrl, serveReports, type ReportJson } from '../src/drift/report-server.ts';
import { Registry } from '../src/registry/index.ts';

let db: TestPostgres;
let registry: Registry;
let app: FastifyInstance;
let withHtml: number;
let withoutHtml: number;

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
      html: renderDriftReportHtml(report, { title: 'Drift report: shop/customers-drift' }),
    })
  ).id;
  withoutHtml = (await registry.insertDriftReport(base)).id;
  app = Fastify();
  serveReports(app, registry);
  await app.ready();
});

after(async () => {
  await app?.close();
  await registry?.close();
  await db?.stop();
});

describe('GET /reports/:id through fastify', () => {
  test('the HTML page, with a content policy that allows nothing but inline styles', async () => {
    const res = await app.inject({ method: 'GET', url: `/reports/${withHtml}` });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(
      String(res.headers['content-security-policy']),
      /^default-src 'none'; style-src 'unsafe-inline'/,
    );
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(res.body, /^<!DOCTYPE html>/i);
    assert.match(res.body, /Drift report: shop\/customers-drift/);
    assert.match(res.body, /<svg/);
  });

  test('the JSON form: results and a link to the page, no HTML inside', async () => {
    const res = await app.inject({ method: 'GET', url: `/reports/${withHtml}.json` });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const doc = res.json<ReportJson>();
    assert.equal(doc.id, withHtml);
    assert.equal(doc.monitor, 'shop/customers-drift');
    assert.equal(doc.runId, 'run-1');
    assert.deepEqual(doc.model, { namespace: 'shop', name: 'customers', version: 1 });
    assert.equal(doc.driftDetected, true);
    assert.equal(doc.columns[0].name, 'age');
    assert.equal(doc.html, `/reports/${withHtml}`);
    assert.ok(!res.body.includes('<svg'), 'the page is not embedded');
  });

  test('unknown ids are 404, malformed ids 400 (HTML route: plain text, JSON route: JSON)', async () => {
    const unknown = await app.inject({ method: 'GET', url: '/reports/999999' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.body, 'there is no drift report 999999\n');
    const unknownJson = await app.inject({ method: 'GET', url: '/reports/999999.json' });
    assert.equal(unknownJson.statusCode, 404);
    assert.deepEqual(unknownJson.json(), { error: 'there is no drift report 999999' });
    for (const bad of ['abc', '0', '-1', '1.5', '01', '1e3', '12345678901234567890', '%27%3B']) {
      const res = await app.inject({ method: 'GET', url: `/reports/${bad}` });
      assert.equal(res.statusCode, 400, bad);
      assert.match(res.body, /^report id must be a positive integer, got /, bad);
    }
    const badJson = await app.inject({ method: 'GET', url: '/reports/abc.json' });
    assert.equal(badJson.statusCode, 400);
    assert.deepEqual(badJson.json(), { error: 'report id must be a positive integer, got "abc"' });
  });

  test('a report stored without a page: 404 for the page pointing at the JSON, JSON still served', async () => {
    const page = await app.inject({ method: 'GET', url: `/reports/${withoutHtml}` });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, new RegExp(`see /reports/${withoutHtml}\\.json`));
    const doc = (await app.inject({ method: 'GET', url: `/reports/${withoutHtml}.json` })).json<ReportJson>();
    assert.equal(doc.html, null);
    assert.equal(doc.runId, null);
  });

  test('reportUrl joins the public base URL and the path', () => {
    assert.equal(reportUrl('http://op.personas.svc:8080/', 12), 'http://op.personas.svc:8080/reports/12');
    assert.equal(reportUrl('https://example.test/persona', 3), 'https://example.test/persona/reports/3');
  });
});

describe('GET /reports/:id through node:http', () => {
  let server: Server;
  let base: string;

  before(async () => {
    server = createServer((req, res) => {
      void handleReportRequest(registry, req, res).then((handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('other route\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('serves the page and the JSON, leaves other paths to the caller', async () => {
    const page = await fetch(`${base}/reports/${withHtml}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<svg/);
    const doc = (await (await fetch(`${base}/reports/${withHtml}.json`)).json()) as ReportJson;
    assert.equal(doc.id, withHtml);
    const other = await fetch(`${base}/healthz`);
    assert.equal(await other.text(), 'other route\n');
  });

  test('HEAD has headers only; other methods 405; bad paths 400/404', async () => {
    const head = await fetch(`${base}/reports/${withHtml}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 0);
    assert.equal(await head.text(), '');
    const post = await fetch(`${base}/reports/${withHtml}`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${base}/reports/%E0%A4%A`)).status, 400);
    assert.equal((await fetch(`${base}/reports/1/2`)).status, 404);
    assert.equal((await fetch(`${base}/reports/x`)).status, 400);
  });
});

describe('registry outages', () => {
  test('an unreachable registry answers 503, not a crash', async () => {
    const down = Fastify();
    serveReports(down, {
      getDriftReport: () =>
        Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    });
    const res = await down.inject({ method: 'GET', url: '/reports/1.json' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { error: 'the registry is unreachable; try again shortly' });
    const broken = Fastify();
    serveReports(broken, { getDriftReport: () => Promise.reject(new Error('boom')) });
    const res2 = await broken.inject({ method: 'GET', url: '/reports/1' });
    assert.equal(res2.statusCode, 500);
    assert.equal(res2.body, 'the report could not be read from the registry\n');
    await down.close();
    await broken.close();
  });
});
