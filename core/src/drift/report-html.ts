// One self-contained HTML page per drift run: verdict and rule, a table of columns, the persona
// tests when they ran, and per feature the reference and current distributions as inline SVG.
// No scripts, fonts or other requests, so the page renders the same from the operator, an
// e-mail client or a file on disk.
import type { DriftReport } from './index.ts';
import { badCellsHtml, personaSectionsHtml, ruleHtml } from './report-personas-html.ts';
import { chart, esc, num } from './report-svg.ts';

export { CURRENT_COLOUR, REFERENCE_COLOUR } from './report-svg.ts';

export interface ReportContext {
  /** Page heading, e.g. the monitor's namespace/name. */
  title?: string;
  /** Shown under the heading, e.g. "model customers v3". */
  subtitle?: string;
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:24px;max-width:1150px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.sub{color:#666;margin:0 0 16px}
.verdict{display:inline-block;padding:8px 14px;border-radius:6px;font-weight:600;font-size:16px}
.drift{background:#fde2e1;color:#9b1c1c}.nodrift{background:#def7e5;color:#1d6b35}
table{border-collapse:collapse;margin-top:12px}th,td{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.d td{background:#fff3f2}
.features{display:flex;flex-wrap:wrap;gap:16px}
.feature{border:1px solid #ddd;border-radius:6px;padding:8px}
.feature h3{font-size:15px;margin:0 0 4px}
.ax{font-size:11px;fill:#555}
.note{background:#fff8e1;border-left:4px solid #e0a800;padding:6px 10px}
.figure{font-size:15px}
td.dc{background:#fde2e1;text-align:right}
table.per td,table.per th{padding:3px 6px;font-size:12px;white-space:nowrap}
.wide{overflow-x:auto}
`;

/** The report page. */
export function renderDriftReportHtml(report: DriftReport, context: ReportContext = {}): string {
  const title = context.title ?? 'Drift report';
  const verdict = report.driftDetected
    ? `<span class="verdict drift">Drift detected</span>`
    : `<span class="verdict nodrift">No drift</span>`;
  const share = `${report.driftedColumns} of ${report.columns.length} columns drifted (${(report.driftShare * 100).toFixed(1)}%; the dataset drifts at ${(report.shareThreshold * 100).toFixed(1)}%)`;
  const rows = report.columns
    .map(
      (c) =>
        `<tr class="${c.drifted ? 'd' : ''}"><td>${esc(c.name)}</td><td>${c.type}</td><td>${c.test}</td>` +
        `<td class="n">${num(c.statistic)}</td><td class="n">${num(c.pValue)}</td>` +
        `<td class="n">${num(c.threshold)}</td><td>${c.drifted ? '<strong>yes</strong>' : 'no'}</td></tr>`,
    )
    .join('\n');
  const features = report.columns
    .map(
      (c) =>
        `<div class="feature"><h3>${esc(c.name)} <small>(${c.test}${c.drifted ? ', drifted' : ''})</small></h3>` +
        chart(c.distribution, `${c.name}: reference and current distributions`) +
        '</div>',
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="sub">${context.subtitle ? `${esc(context.subtitle)} · ` : ''}${esc(report.createdAt)} · reference ${report.referenceRows} rows, current ${report.currentRows} rows</p>
${verdict}
${ruleHtml(report.rule, report.fired)}
<p>${share}</p>
${badCellsHtml(report.badCells)}
${report.personas ? personaSectionsHtml(report.personas) : ''}
<h2>Columns</h2>
<table>
<thead><tr><th>column</th><th>type</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>drifted</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Distributions</h2>
<div class="features">
${features}
</div>
</body></html>
`;
}
