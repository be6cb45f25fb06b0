// Inline SVG charts for the console: lines over a numeric or time axis, a heat map, bars and a
// timeline. Every data point is one element with class "mark" and a <title> (the value on
// hover, without JavaScript), so the browser test can count what was drawn.
import { esc, num } from '@persona-operator/core/drift/report-svg';

/** Colours for series, chosen to stay apart for the colour-blind (Okabe-Ito). */
export const SERIES_COLOURS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
];
export const DRIFT_COLOUR = '#d55e00';
export const CALM_COLOUR = '#009e73';

export const seriesColour = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length];

const PAD = { l: 56, r: 12, t: 12, b: 36 };

export interface Point {
  x: number;
  y: number;
  /** Text shown on hover. */
  title: string;
  /** Overrides the series colour (e.g. a drifted run). */
  colour?: string;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface LineChartOptions {
  label: string;
  series: Series[];
  /** 'time': x is epoch milliseconds. */
  xAxis: 'number' | 'time';
  /** Start the y axis at 0 (counts), not at the lowest value. */
  yFromZero?: boolean;
  /** A vertical marker, e.g. the chosen k. */
  markX?: { x: number; label: string };
  width?: number;
  height?: number;
}

function extent(values: number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= lo === 0 ? 1 : Math.abs(lo) * 0.1;
    hi += hi === 0 ? 1 : Math.abs(hi) * 0.1;
  }
  return [lo, hi];
}

function tickLabel(x: number, axis: 'number' | 'time'): string {
  return axis === 'time' ? new Date(x).toISOString().slice(0, 16).replace('T', ' ') : num(x, 3);
}

function svgOpen(w: number, h: number, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(label)}">`;
}

function legend(series: readonly Series[], x: number, y: number): string {
  if (series.length < 2) return '';
  return series
    .map(
      (s, i) =>
        `<rect x="${x}" y="${y + i * 14}" width="10" height="10" fill="${seriesColour(i)}"/>` +
        `<text x="${x + 14}" y="${y + i * 14 + 9}" class="ax">${esc(s.name)}</text>`,
    )
    .join('');
}

/** Lines with a dot per point; gaps are points left out of a series. */
export function lineChart(o: LineChartOptions): string {
  const legendW = o.series.length > 1 ? 150 : 0;
  const w = o.width ?? 560;
  const h = o.height ?? 220;
  const plotW = w - PAD.l - PAD.r - legendW;
  const plotH = h - PAD.t - PAD.b;
  const all = o.series.flatMap((s) => s.points);
  const [x0, x1] = extent([...all.map((p) => p.x), ...(o.markX ? [o.markX.x] : [])]);
  const [y0, y1] = extent([...all.map((p) => p.y), ...(o.yFromZero ? [0] : [])]);
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => PAD.t + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const parts = [svgOpen(w, h, o.label), `<rect width="${w}" height="${h}" fill="#fff"/>`];
  parts.push(
    `<line x1="${PAD.l}" y1="${PAD.t}" x2="${PAD.l}" y2="${PAD.t + plotH}" stroke="#888"/>`,
    `<line x1="${PAD.l}" y1="${PAD.t + plotH}" x2="${PAD.l + plotW}" y2="${PAD.t + plotH}" stroke="#888"/>`,
    `<text x="${PAD.l - 4}" y="${PAD.t + 8}" text-anchor="end" class="ax">${esc(num(y1, 3))}</text>`,
    `<text x="${PAD.l - 4}" y="${PAD.t + plotH}" text-anchor="end" class="ax">${esc(num(y0, 3))}</text>`,
    `<text x="${PAD.l}" y="${h - PAD.b + 16}" class="ax">${esc(tickLabel(x0, o.xAxis))}</text>`,
    `<text x="${PAD.l + plotW}" y="${h - PAD.b + 16}" text-anchor="end" class="ax">${esc(tickLabel(x1, o.xAxis))}</text>`,
  );
  if (o.markX) {
    const x = sx(o.markX.x).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${PAD.t}" x2="${x}" y2="${PAD.t + plotH}" stroke="#c00" stroke-dasharray="4 3" class="marker"/>`,
      `<text x="${x}" y="${h - 4}" text-anchor="middle" class="ax" fill="#c00">${esc(o.markX.label)}</text>`,
    );
  }
  o.series.forEach((s, i) => {
    const colour = seriesColour(i);
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      const d = pts
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`)
        .join('');
      parts.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    }
    for (const p of pts) {
      parts.push(
        `<circle class="mark" cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${p.colour ?? colour}"><title>${esc(p.title)}</title></circle>`,
      );
    }
  });
  parts.push(legend(o.series, w - legendW + 4, PAD.t));
  parts.push('</svg>');
  return parts.join('');
}

export interface HeatCell {
  /** Position on the colour scale in [0, 1]; null draws a neutral cell. */
  shade: number | null;
  /** Written in the cell. */
  text: string;
  /** Shown on hover. */
  title: string;
}

/** A grid of rows × columns; `diverging` colours 0.5 white, 0 blue and 1 orange. */
export function heatMap(o: {
  label: string;
  rows: string[];
  columns: string[];
  cells: HeatCell[][];
  diverging?: boolean;
}): string {
  // Wide enough for the longest row label at about 7 px a character.
  const rowW = Math.min(320, Math.max(120, 16 + 7 * Math.max(0, ...o.rows.map((r) => r.length))));
  const cellW = Math.max(70, Math.min(120, Math.floor(760 / Math.max(o.columns.length, 1))));
  const cellH = 30;
  const headH = 46;
  const w = rowW + cellW * o.columns.length + 8;
  const h = headH + cellH * o.rows.length + 8;
  const parts = [svgOpen(w, h, o.label), `<rect width="${w}" height="${h}" fill="#fff"/>`];
  o.columns.forEach((c, j) => {
    parts.push(
      `<text x="${rowW + j * cellW + cellW / 2}" y="${headH - 8}" text-anchor="middle" class="ax">${esc(c)}</text>`,
    );
  });
  o.rows.forEach((r, i) => {
    const y = headH + i * cellH;
    parts.push(
      `<text x="${rowW - 8}" y="${y + cellH / 2 + 4}" text-anchor="end" class="lbl">${esc(r)}</text>`,
    );
    o.cells[i].forEach((cell, j) => {
      const fill =
        cell.shade === null ? '#eeeeee' : o.diverging ? diverging(cell.shade) : sequential(cell.shade);
      const dark =
        cell.shade !== null && (o.diverging ? Math.abs(cell.shade - 0.5) > 0.35 : cell.shade > 0.6);
      const x = rowW + j * cellW;
      parts.push(
        `<g class="mark"><title>${esc(cell.title)}</title><rect x="${x}" y="${y}" width="${cellW - 2}" height="${cellH - 2}" fill="${fill}"/>` +
          `<text x="${x + cellW / 2 - 1}" y="${y + cellH / 2 + 3}" text-anchor="middle" class="cell" fill="${dark ? '#fff' : '#222'}">${esc(cell.text)}</text></g>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

function mix(a: [number, number, number], b: [number, number, number], t: number): string {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.min(Math.max(t, 0), 1)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

const sequential = (t: number) => mix([239, 243, 255], [8, 69, 148], t);
const diverging = (t: number) =>
  t < 0.5 ? mix([33, 102, 172], [247, 247, 247], t * 2) : mix([247, 247, 247], [178, 24, 43], (t - 0.5) * 2);

export interface BarGroup {
  label: string;
  /** One value per series, e.g. share of rows per version. */
  values: (number | null)[];
}

/** Horizontal bars, one row per group and one bar per series (values in [0, 1] as shares). */
export function shareBars(o: { label: string; series: string[]; groups: BarGroup[] }): string {
  const labelW = 170;
  const plotW = 360;
  const barH = 12;
  const groupH = o.series.length * barH + 10;
  const legendH = o.series.length > 1 ? o.series.length * 14 + 6 : 0;
  const w = labelW + plotW + 70;
  const h = legendH + o.groups.length * groupH + 8;
  const top = Math.max(...o.groups.flatMap((g) => g.values.map((v) => v ?? 0)), 1e-9);
  const parts = [svgOpen(w, h, o.label), `<rect width="${w}" height="${h}" fill="#fff"/>`];
  parts.push(
    legend(
      o.series.map((name) => ({ name, points: [] })),
      labelW,
      2,
    ),
  );
  o.groups.forEach((g, i) => {
    const y = legendH + i * groupH;
    parts.push(
      `<text x="${labelW - 8}" y="${y + groupH / 2 + 2}" text-anchor="end" class="lbl">${esc(g.label)}</text>`,
    );
    g.values.forEach((v, j) => {
      if (v === null) return;
      const bw = Math.max((v / top) * plotW, 1);
      const by = y + 2 + j * barH;
      parts.push(
        `<rect class="mark" x="${labelW}" y="${by}" width="${bw.toFixed(1)}" height="${barH - 2}" fill="${seriesColour(j)}"><title>${esc(`${o.series[j]}: ${g.label} ${(v * 100).toFixed(1)} %`)}</title></rect>`,
        `<text x="${labelW + bw + 4}" y="${by + barH - 3}" class="ax">${(v * 100).toFixed(1)} %</text>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

export interface TimelineEvent {
  at: Date;
  lane: string;
  colour: string;
  title: string;
}

/** Events on a time axis, one lane per alias. */
export function timeline(o: { label: string; events: TimelineEvent[] }): string {
  const lanes = [...new Set(o.events.map((e) => e.lane))];
  const laneW = 110;
  const w = 760;
  const laneH = 28;
  const h = lanes.length * laneH + 40;
  const [t0, t1] = extent(o.events.map((e) => e.at.getTime()));
  const plotW = w - laneW - 20;
  const sx = (t: number) => laneW + ((t - t0) / (t1 - t0)) * plotW;
  const parts = [svgOpen(w, h, o.label), `<rect width="${w}" height="${h}" fill="#fff"/>`];
  lanes.forEach((lane, i) => {
    const y = 14 + i * laneH;
    parts.push(
      `<text x="${laneW - 8}" y="${y + 4}" text-anchor="end" class="lbl">${esc(lane)}</text>`,
      `<line x1="${laneW}" y1="${y}" x2="${laneW + plotW}" y2="${y}" stroke="#ccc"/>`,
    );
  });
  for (const e of o.events) {
    const y = 14 + lanes.indexOf(e.lane) * laneH;
    parts.push(
      `<circle class="mark" cx="${sx(e.at.getTime()).toFixed(1)}" cy="${y}" r="6" fill="${e.colour}" stroke="#fff"><title>${esc(e.title)}</title></circle>`,
    );
  }
  const axisY = h - 10;
  parts.push(
    `<text x="${laneW}" y="${axisY}" class="ax">${esc(tickLabel(t0, 'time'))}</text>`,
    `<text x="${laneW + plotW}" y="${axisY}" text-anchor="end" class="ax">${esc(tickLabel(t1, 'time'))}</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}
