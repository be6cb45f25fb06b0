// One self-contained HTML page per drift run: verdict, a table of columns, and per feature the
// reference and current distributions as inline SVG. No scripts, fonts or other requests, so
// the page renders the same from the operator, an e-mail client or a file on disk.
import type { Distribution } from './column.ts';
import type { DriftReport } from './index.ts';

export interface ReportContext {
  /** Page heading, e.g. the monitor's namespace/name. */
  title?: string;
  /** Shown under the heading, e.g. "model customers v3". */
  subtitle?: string;
}

/** Colours of the two samples; the screenshot test looks for them. */
export const REFERENCE_COLOUR = '#3b6fb6';
export const CURRENT_COLOUR = '#e8812a';

const CHART_W = 560;
const CHART_H = 200;
const PAD_L = 44;
const PAD_B = 36;
const PAD_T = 10;
const PAD_R = 10;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function num(x: number | null, digits = 4): string {
  if (x === null) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '−∞' : 'NaN';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}

function axisLabel(x: number): string {
  return num(x, 3);
}

/** Bars for one sample: `slots` equal-width slots, each split between the two samples. */
function chart(d: Distribution, label: string): string {
  const ref = d.reference;
  const cur = d.current;
  const slots = ref.length;
  const top = Math.max(...ref, ...cur, 1e-12);
  const plotW = CHART_W - PAD_L - PAD_R;
  const plotH = CHART_H - PAD_T - PAD_B;
  const slotW = plotW / slots;
  const y = (v: number) => PAD_T + plotH - (v / top) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_W}" height="${CHART_H}" viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-label="${esc(label)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${CHART_W}" height="${CHART_H}" fill="#fff"/>`);
  // y axis: 0 and the top share.
  parts.push(
    `<line x1="${PAD_L}" y1="${PAD_T}" x2="${PAD_L}" y2="${PAD_T + plotH}" stroke="#888"/>`,
    `<line x1="${PAD_L}" y1="${PAD_T + plotH}" x2="${PAD_L + plotW}" y2="${PAD_T + plotH}" stroke="#888"/>`,
    `<text x="${PAD_L - 4}" y="${PAD_T + 8}" text-anchor="end" class="ax">${(top * 100).toFixed(1)}%</text>`,
    `<text x="${PAD_L - 4}" y="${PAD_T + plotH}" text-anchor="end" class="ax">0</text>`,
  );
  for (let i = 0; i < slots; i++) {
    const x0 = PAD_L + i * slotW;
    if (d.kind === 'histogram') {
      // Overlaid: the two histograms share each bin, current drawn translucent over reference.
      const bw = Math.max(slotW - 1, 1);
      parts.push(
        `<rect x="${x0.toFixed(2)}" y="${y(ref[i]).toFixed(2)}" width="${bw.toFixed(2)}" height="${(PAD_T + plotH - y(ref[i])).toFixed(2)}" fill="${REFERENCE_COLOUR}"/>`,
        `<rect x="${x0.toFixed(2)}" y="${y(cur[i]).toFixed(2)}" width="${bw.toFixed(2)}" height="${(PAD_T + plotH - y(cur[i])).toFixed(2)}" fill="${CURRENT_COLOUR}" fill-opacity="0.6"/>`,
      );
    } else {
      const bw = Math.max((slotW - 4) / 2, 1);
      parts.push(
        `<rect x="${(x0 + 2).toFixed(2)}" y="${y(ref[i]).toFixed(2)}" width="${bw.toFixed(2)}" height="${(PAD_T + plotH - y(ref[i])).toFixed(2)}" fill="${REFERENCE_COLOUR}"/>`,
        `<rect x="${(x0 + 2 + bw).toFixed(2)}" y="${y(cur[i]).toFixed(2)}" width="${bw.toFixed(2)}" height="${(PAD_T + plotH - y(cur[i])).toFixed(2)}" fill="${CURRENT_COLOUR}"/>`,
      );
    }
  }
  if (d.kind === 'histogram') {
    const e = d.edges;
    parts.push(
      `<text x="${PAD_L}" y="${CHART_H - PAD_B + 14}" class="ax">${esc(axisLabel(e[0]))}</text>`,
      `<text x="${PAD_L + plotW / 2}" y="${CHART_H - PAD_B + 14}" text-anchor="middle" class="ax">${esc(axisLabel(e[Math.floor(e.length / 2)]))}</text>`,
      `<text x="${PAD_L + plotW}" y="${CHART_H - PAD_B + 14}" text-anchor="end" class="ax">${esc(axisLabel(e[e.length - 1]))}</text>`,
    );
  } else {
    // Label every bar when they fit, else every n-th.
    const every = Math.ceil(slots / Math.max(1, Math.floor(plotW / 48)));
    d.categories.forEach((c, i) => {
      if (i % every !== 0) return;
      const short = c.length > 10 ? `${c.slice(0, 9)}…` : c;
      parts.push(
        `<text x="${(PAD_L + (i + 0.5) * slotW).toFixed(2)}" y="${CHART_H - PAD_B + 14}" text-anchor="middle" class="ax">${esc(short)}</text>`,
      );
    });
  }
  parts.push(
    `<rect x="${PAD_L}" y="${CHART_H - 14}" width="10" height="10" fill="${REFERENCE_COLOUR}"/>`,
    `<text x="${PAD_L + 14}" y="${CHART_H - 5}" class="ax">reference</text>`,
    `<rect x="${PAD_L + 90}" y="${CHART_H - 14}" width="10" height="10" fill="${CURRENT_COLOUR}"/>`,
    `<text x="${PAD_L + 104}" y="${CHART_H - 5}" class="ax">current</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
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
<p>${share}</p>
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
