// The HTML report's content: verdict, one table row and one chart per column, escaped names,
// and nothing that would make the page fetch anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift, type DriftColumn } from '../src/drift/index.ts';
import { renderDriftReportHtml } from '../src/drift/report-html.ts';
import { integers, normalish } from './drift-samples.ts';

const cat = (name: string, v: Float64Array): DriftColumn => ({
  name,
  type: 'categorical',
  values: Array.from(v, (i) => 'abc'[i]),
});

const report = computeDrift(
  {
    columns: [
      { name: 'age', type: 'numeric', values: normalish(1, 300, 40, 10) },
      cat('<channel & "co">', integers(2, 300, 3)),
    ],
  },
  {
    columns: [
      { name: 'age', type: 'numeric', values: normalish(3, 300, 55, 10) },
      cat('<channel & "co">', integers(4, 300, 3)),
    ],
  },
  { driftShare: 0.5 },
  new Date('2025-03-01T00:00:00Z'),
);

test('verdict, table rows and one SVG chart per column', () => {
  const html = renderDriftReportHtml(report, {
    title: 'shop/customers-drift',
    subtitle: 'model customers v3',
  });
  assert.match(html, /<span class="verdict drift">Drift detected<\/span>/);
  assert.match(html, /1 of 2 columns drifted \(50\.0%; the dataset drifts at 50\.0%\)/);
  assert.match(html, /<title>shop\/customers-drift<\/title>/);
  assert.match(html, /model customers v3 · 2025-03-01T00:00:00.000Z · reference 300 rows, current 300 rows/);
  assert.equal(html.match(/<svg /g)?.length, 2);
  assert.equal(html.match(/<tbody>[\s\S]*<\/tbody>/)?.[0].match(/<tr/g)?.length, 2);
  assert.match(html, /<td>age<\/td><td>numeric<\/td><td>ks<\/td>/);
});

test('column names are escaped', () => {
  const html = renderDriftReportHtml(report);
  assert.ok(!html.includes('<channel'), 'raw name must not appear');
  assert.match(html, /&#60;channel &#38; &#34;co&#34;&#62;/);
});

test('self-contained: no scripts and no external resources', () => {
  const html = renderDriftReportHtml(report);
  assert.doesNotMatch(html, /<script|<link|<img|src=|href=|url\(|@import/i);
  const urls = html.match(/https?:\/\/[^"'\s]+/g) ?? [];
  assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
});

test('a run without drift says so', () => {
  const calm = computeDrift(
    { columns: [{ name: 'x', type: 'numeric', values: normalish(5, 200, 0, 1) }] },
    { columns: [{ name: 'x', type: 'numeric', values: normalish(6, 200, 0, 1) }] },
  );
  assert.match(renderDriftReportHtml(calm), /<span class="verdict nodrift">No drift<\/span>/);
});
