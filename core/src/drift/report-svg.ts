// The pieces every section of the drift report page draws with: escaping, number formatting,
// and the bar chart of a reference and a current distribution as inline SVG.
import type { Distribution } from './column.ts';

/** Colours of the two samples; the screenshot test looks for them. */
export const REFERENCE_COLOUR = '#3b6fb6';
export const CURRENT_COLOUR = '#e8812a';

const CHART_W = 560;
const CHART_H = 200;
const PAD_L = 44;
const PAD_B = 36;
const PAD_T = 10;
const PAD_R = 10;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function num(x: number | null, digits = 4): string {
  if (x === null) return '–';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : x < 0 ? '−∞' : 'NaN';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}

function axisLabel(x: number): string {
  return num(x, 3);
}

/** A vertical line across a histogram at `value`, e.g. the novelty distance. */
export interface ChartMarker {
  value: number;
  label: string;
}

/** Bars for one sample: `slots` equal-width slots, each split between the two samples. */
export function chart(d: Distribution, label: string, marker?: ChartMarker): string {
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
  if (marker && d.kind === 'histogram') {
    const e = d.edges;
    const at = PAD_L + ((marker.value - e[0]) / (e[e.length - 1] - e[0])) * plotW;
    if (Number.isFinite(at) && at >= PAD_L && at <= PAD_L + plotW) {
      parts.push(
        `<line x1="${at.toFixed(2)}" y1="${PAD_T}" x2="${at.toFixed(2)}" y2="${PAD_T + plotH}" stroke="#9b1c1c" stroke-dasharray="4 3"/>`,
        `<text x="${(at + 4).toFixed(2)}" y="${PAD_T + 12}" class="ax">${esc(marker.label)}</text>`,
      );
    }
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
