// The HTML report's content: verdict, one table row and one chart per column, escaped names,
// and nothing that would make the page fetch anything.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift, type DriftColumn } from '../src/drift/index.ts';
import { renderDriftReportHtml } from '../src/drift/report-html.ts';
import type { ModelArtifact } from '../src/artifact/types.ts';
import { checkDrift } from '../src/drift/check.ts';
import { referenceFromTable } from '../src/drift/personas/reference.ts';
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
  assert.equal(html.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0].match(/<tr/g)?.length, 2);
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

describe('persona sections', () => {
  const model: Pick<ModelArtifact, 'features' | 'personas'> = {
    features: [{ name: 'x', type: 'numeric', mean: 0, std: 1, scale: 1 }],
    personas: [
      { id: 0, name: 'Low <Lou>', centroid: { x: -2 }, scaled: [-2] },
      { id: 1, name: 'High Hal', centroid: { x: 2 }, scaled: [2] },
    ],
  };
  const low = normalish(11, 300, -2, 0.5);
  const high = normalish(12, 300, 2, 0.5);
  const reference = {
    columns: [{ name: 'x', type: 'numeric' as const, values: Float64Array.from([...low, ...high]) }],
  };
  // The current data: more High Hal, some far from both, two unusable cells.
  const current = Float64Array.from([
    ...normalish(13, 150, -2, 0.5),
    ...normalish(14, 400, 2.3, 0.5),
    ...normalish(15, 60, 9, 0.5),
    NaN,
    NaN,
  ]);

  async function render(source: 'data' | 'sample') {
    const report = await checkDrift({
      reference,
      current: { columns: [{ name: 'x', type: 'numeric', values: current }] },
      model: { artifact: model, reference: referenceFromTable(model, reference, source) },
      badCells: [
        {
          column: 'x',
          count: 2,
          examples: [
            { at: 'row 611', problem: '"n/a" is not a number' },
            { at: 'row 612', problem: 'missing value (NULL)' },
          ],
        },
      ],
      now: new Date('2025-03-01T00:00:00Z'),
    });
    return { report, html: renderDriftReportHtml(report, { title: 'personas' }) };
  }

  test('rule, persona mix, novelty and the per-persona table', async () => {
    const { report, html } = await render('data');
    assert.deepEqual(report.fired, ['features', 'personaMix', 'novelty', 'perPersona']);
    assert.match(
      html,
      /Drift when any of: feature share, persona mix, novelty, per-persona drift\. Fired: <strong>feature share, persona mix, novelty, per-persona drift<\/strong>/,
    );
    assert.match(
      html,
      /<strong>1\d\.\d%<\/strong> of the current rows \(\d+ of 610\) are farther from every persona than 99\.0% of the reference rows/,
    );
    assert.match(html, /novelty fires above 5\.0%: <strong>novelty detected<\/strong>/);
    assert.match(html, /<h2>Per persona<\/h2>/);
    assert.match(
      html,
      /<tr class="d"><td>High Hal<\/td><td class="n">300<\/td><td class="n">\d+<\/td><td><strong>moved<\/strong><\/td><td class="dc">/,
    );
    assert.match(html, /Persona reference: the reference data \(600 rows\)/);
    assert.match(
      html,
      /2 of 612 current rows lack a feature value and are not assigned to any persona \(x 2\)/,
    );
    assert.match(
      html,
      /2 cells of the current data could not be used and count as missing values:<\/p><ul><li><strong>x<\/strong>: 2 \(row 611: &#34;n\/a&#34; is not a number; row 612: missing value \(NULL\)\)/,
    );
    assert.equal(html.match(/<svg /g)?.length, 3, 'mix bars, distance histogram, one feature');
    assert.ok(!html.includes('<Lou>'));
  });

  test('a version without stored statistics says so', async () => {
    const { html } = await render('sample');
    assert.match(
      html,
      /class="note">This version was trained before reference statistics were stored with it: the persona mix and the distance quantiles come from its reference sample \(600 rows\)/,
    );
  });
});
