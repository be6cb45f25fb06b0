// A drift monitor's history, a page of runs at a time: the share of drifted columns over time
// (each run coloured by the verdict), each column's statistic over time, and every run linked
// to its stored report.
import type { DriftHistoryPoint, Page } from '@persona-operator/registry';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import { CALM_COLOUR, DRIFT_COLOUR, lineChart, type Series } from '../charts.ts';
import { esc, figure, href, link, num, page, paths, reportHref, table, td, tdHtml, time } from '../html.ts';
import { ConsoleError, positiveInt, type ConsoleSource } from '../source.ts';

export const RUNS_PER_PAGE = 200;
/** Columns drawn in the statistics chart; the table lists every drifted column. */
export const MAX_COLUMN_SERIES = 8;
const DEPTH = 3;

export interface MonitorPageInput {
  monitor: DriftMonitor;
  history: Page<DriftHistoryPoint>;
  before?: number;
}

export async function gatherMonitorPage(
  source: ConsoleSource,
  namespace: string,
  name: string,
  params: URLSearchParams,
): Promise<MonitorPageInput> {
  const monitor = source
    .driftMonitors()
    .find((d) => d.metadata.namespace === namespace && d.metadata.name === name);
  if (!monitor) throw new ConsoleError(404, `there is no DriftMonitor ${namespace}/${name}`);
  const before = positiveInt(params, 'before');
  const history = await source.registry.driftHistoryPage(`${namespace}/${name}`, {
    before,
    limit: RUNS_PER_PAGE,
  });
  return { monitor, history, before };
}

/** One series per column (the first MAX_COLUMN_SERIES by name), a point per run that tested it. */
export function columnSeries(points: readonly DriftHistoryPoint[]): Series[] {
  const names = [...new Set(points.flatMap((p) => p.columns.map((c) => c.name)))]
    .sort()
    .slice(0, MAX_COLUMN_SERIES);
  return names.map((name) => ({
    name,
    points: points.flatMap((p) => {
      const c = p.columns.find((col) => col.name === name);
      if (!c || c.statistic === null || !Number.isFinite(c.statistic)) return [];
      return [
        {
          x: p.createdAt.getTime(),
          y: c.statistic,
          title: `${time(p.createdAt)} ${name}: ${c.test} ${num(c.statistic)}${c.drifted ? ' (drifted)' : ''}`,
        },
      ];
    }),
  }));
}

export function renderMonitorPage(input: MonitorPageInput): string {
  const m = input.monitor;
  const ns = m.metadata.namespace ?? '';
  const name = m.metadata.name ?? '';
  const model = m.spec.modelRef.name;
  const points = input.history.items;
  const shareChart = lineChart({
    label: 'Share of drifted columns over time',
    xAxis: 'time',
    series: [
      {
        name: 'drift share',
        points: points.map((p) => ({
          x: p.createdAt.getTime(),
          y: p.share,
          colour: p.driftDetected ? DRIFT_COLOUR : CALM_COLOUR,
          title: `${time(p.createdAt)}: ${p.driftDetected ? 'drift' : 'no drift'}, share ${num(p.share, 3)}`,
        })),
      },
    ],
    yFromZero: true,
    width: 760,
  });
  const columns = columnSeries(points);
  const columnChart = lineChart({
    label: 'Column statistics over time',
    xAxis: 'time',
    series: columns,
    width: 760,
  });
  const columnCount = new Set(points.flatMap((p) => p.columns.map((c) => c.name))).size;
  const rows = points.map((p) => [
    td(time(p.createdAt)),
    td(`v${p.version}`),
    tdHtml(
      `<span class="${p.driftDetected ? 'yes' : 'no'}">${p.driftDetected ? 'drift' : 'no drift'}</span>`,
    ),
    td(num(p.share, 3), true),
    td(
      p.columns
        .filter((c) => c.drifted)
        .map((c) => c.name)
        .join(', ') || '–',
    ),
    tdHtml(link(p.hasHtml ? reportHref(DEPTH, p.id) : `${reportHref(DEPTH, p.id)}.json`, `report ${p.id}`)),
  ]);
  const paging = [
    input.before !== undefined ? link('?', 'Newest runs') : '',
    input.history.next !== null ? link(`?before=${input.history.next}`, `Older runs →`) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const empty = points.length === 0;
  return page({
    title: `${ns}/${name}: drift history`,
    crumbs: [
      { label: 'console', href: href(DEPTH, paths.models()) },
      { label: ns },
      { label: model, href: href(DEPTH, paths.model(ns, model)) },
      { label: name },
    ],
    body:
      `<p>Monitors ${link(href(DEPTH, paths.model(ns, model)), `${ns}/${model}`)}, schedule ${esc(m.spec.schedule ?? '0 * * * *')}; next run ${esc(time(m.status?.nextRunTime))}.</p>` +
      (empty
        ? '<p class="muted">No run has stored a report yet.</p>'
        : `<p class="muted">${points.length} runs, newest first${input.before === undefined ? '' : ' (an older page)'}.</p>` +
          '<div class="charts">' +
          figure('Share of drifted columns (orange-red: the run found drift)', shareChart) +
          figure(
            `Each column's test statistic${columnCount > MAX_COLUMN_SERIES ? ` (the first ${MAX_COLUMN_SERIES} of ${columnCount} columns)` : ''}`,
            columnChart,
          ) +
          '</div>' +
          '<h2>Runs</h2>' +
          table(['When', 'Reference', 'Verdict', 'Share', 'Drifted columns', 'Report'], rows)) +
      (paging ? `<p>${paging}</p>` : ''),
  });
}
