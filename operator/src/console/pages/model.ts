// A model's page: its state, the k sweep of one version, its versions a page at a time (metrics,
// trigger and data, the promotion decision) and its alias history as a timeline.
import type { KMetrics } from '@persona-operator/core/artifact/types';
import {
  describeDataShort,
  describeTrigger,
  type AliasEvent,
  type ModelVersion,
  type Page,
} from '@persona-operator/registry';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { lineChart, seriesColour, timeline, type Point } from '../charts.ts';
import { esc, figure, href, link, num, page, paths, table, td, tdHtml, time } from '../html.ts';
import { ConsoleError, findModel, monitorsOf, positiveInt, type ConsoleSource } from '../source.ts';

export const VERSIONS_PER_PAGE = 50;
export const EVENTS_PER_PAGE = 100;
const DEPTH = 3;

export interface ModelPageInput {
  model: PersonaModel;
  monitors: DriftMonitor[];
  versions: Page<ModelVersion>;
  /** Cursor this page was read from (undefined: the newest). */
  before?: number;
  /** Alias events about the versions on this page, newest first. */
  decisions: AliasEvent[];
  history: Page<AliasEvent>;
  /** The version whose k sweep is drawn. */
  sweep?: ModelVersion;
}

export async function gatherModelPage(
  source: ConsoleSource,
  namespace: string,
  name: string,
  params: URLSearchParams,
): Promise<ModelPageInput> {
  const model = findModel(source, namespace, name);
  const before = positiveInt(params, 'before');
  const eventsBefore = positiveInt(params, 'eventsBefore');
  const sweepVersion = positiveInt(params, 'sweep');
  const ref = { namespace, name };
  const versions = await source.registry
    .versionPage(ref, { before, limit: VERSIONS_PER_PAGE })
    .catch((err: unknown) => {
      // A PersonaModel that never trained has no registry row yet: an empty history, not an error.
      if ((err as Error).name === 'RegistryNotFoundError') return { items: [], next: null };
      throw err;
    });
  const noHistory = versions.items.length === 0 && before === undefined;
  const [decisions, history] = noHistory
    ? [[], { items: [], next: null }]
    : await Promise.all([
        source.registry.aliasEventsOfVersions(
          ref,
          versions.items.map((v) => v.version),
        ),
        source.registry.aliasEventPage(ref, { before: eventsBefore, limit: EVENTS_PER_PAGE }),
      ]);
  let sweep = versions.items[0];
  if (sweepVersion !== undefined) {
    sweep =
      versions.items.find((v) => v.version === sweepVersion) ??
      (await source.registry.getVersion({ ...ref, version: sweepVersion }).catch(() => {
        throw new ConsoleError(404, `model ${namespace}/${name} has no version ${sweepVersion}`);
      }));
  }
  return {
    model,
    monitors: monitorsOf(source, namespace, name),
    versions,
    before,
    decisions,
    history,
    sweep,
  };
}

const SWEEP_METRICS: { key: keyof Omit<KMetrics, 'k'>; label: string; better: string }[] = [
  { key: 'silhouette', label: 'Silhouette', better: 'higher is better' },
  { key: 'inertia', label: 'Inertia', better: 'lower is tighter' },
  { key: 'calinskiHarabasz', label: 'Calinski-Harabasz', better: 'higher is better' },
  { key: 'daviesBouldin', label: 'Davies-Bouldin', better: 'lower is better' },
];

function sweepCharts(v: ModelVersion): string {
  const perK = v.metrics.perK ?? [];
  const charts = SWEEP_METRICS.map(({ key, label, better }) => {
    const points: Point[] = perK.flatMap((row) => {
      const y = row[key];
      return y === null || y === undefined
        ? []
        : [{ x: row.k, y, title: `k = ${row.k}: ${label} ${num(y)}` }];
    });
    return figure(
      `${label} (${better})`,
      lineChart({
        label: `${label} against k`,
        series: [{ name: label, points }],
        xAxis: 'number',
        markX: { x: v.metrics.k, label: `chosen k = ${v.metrics.k}` },
        width: 420,
        height: 200,
      }),
    );
  });
  return `<h2>k sweep of version ${v.version}</h2><div class="charts">${charts.join('')}</div>`;
}

function decisionOf(v: ModelVersion, decisions: readonly AliasEvent[]): string {
  const e = decisions.find((d) => d.toVersion === v.version && d.alias === 'production');
  if (!e) return '<span class="muted">–</span>';
  const label = e.action === 'refuse' ? 'refused' : e.action === 'rollback' ? 'rolled back to' : 'promoted';
  return `<span class="${e.action === 'refuse' ? 'yes' : 'no'}">${esc(label)}</span> ${esc(e.reason)}`;
}

function versionRows(input: ModelPageInput, ns: string, name: string): string[][] {
  return input.versions.items.map((v) => [
    tdHtml(link(href(DEPTH, paths.version(ns, name, v.version)), `v${v.version}`)),
    td(time(v.createdAt)),
    tdHtml(
      v.aliases.map((a) => `<span class="badge">${esc(a)}</span>`).join('') +
        (v.status === 'archived' ? ' <span class="muted">archived</span>' : ''),
    ),
    td(String(v.metrics.k), true),
    td(num(v.metrics.silhouette, 3), true),
    td(num(v.metrics.inertia, 4), true),
    td(num(v.metrics.calinskiHarabasz, 4), true),
    td(num(v.metrics.daviesBouldin, 3), true),
    td(describeTrigger(v.lineage?.trigger)),
    td(describeDataShort(v.lineage)),
    tdHtml(decisionOf(v, input.decisions)),
    tdHtml(
      [
        link(`?sweep=${v.version}${input.before ? `&before=${input.before}` : ''}`, 'k sweep'),
        v.version > 1
          ? link(href(DEPTH, paths.compare(ns, name, v.version - 1, v.version)), `vs v${v.version - 1}`)
          : '',
      ]
        .filter(Boolean)
        .join(' · '),
    ),
  ]);
}

const ACTION_COLOUR: Record<AliasEvent['action'], string> = {
  promote: seriesColour(2),
  rollback: seriesColour(1),
  refuse: seriesColour(5),
  remove: seriesColour(7),
};

function historySection(history: Page<AliasEvent>): string {
  if (history.items.length === 0)
    return '<h2>Alias history</h2><p class="muted">No alias has been set yet.</p>';
  const events = history.items.map((e) => ({
    at: e.at,
    lane: e.alias,
    colour: ACTION_COLOUR[e.action],
    title: `${time(e.at)} ${e.action} ${e.alias}: ${e.fromVersion ?? '–'} → ${e.toVersion ?? '–'} by ${e.actor}: ${e.reason}`,
  }));
  const legend = (Object.keys(ACTION_COLOUR) as AliasEvent['action'][])
    .map((a) => `<span class="badge" style="background:${ACTION_COLOUR[a]};color:#fff">${a}</span>`)
    .join('');
  const rows = history.items.map((e) => [
    td(time(e.at)),
    td(e.alias),
    td(e.action),
    td(`${e.fromVersion ?? '–'} → ${e.toVersion ?? '–'}`),
    td(e.actor),
    td(e.reason),
  ]);
  const older =
    history.next === null ? '' : `<p>${link(`?eventsBefore=${history.next}`, 'Older alias events →')}</p>`;
  return (
    '<h2>Alias history</h2>' +
    `<p>${legend}</p>` +
    timeline({ label: 'Alias history', events }) +
    table(['When', 'Alias', 'Action', 'Version', 'By', 'Reason'], rows) +
    older
  );
}

function summary(m: PersonaModel, monitors: readonly DriftMonitor[], ns: string, name: string): string {
  const s = m.status;
  const t = s?.lastTraining;
  const p = s?.lastPromotion;
  const rows = [
    ['Phase', esc(s?.phase ?? 'Pending')],
    [
      'Serving / production / latest',
      esc([s?.servingVersion, s?.productionVersion, s?.latestVersion].map((v) => v ?? '–').join(' / ')),
    ],
    [
      'Last training',
      t ? esc(`${t.result}${t.trigger ? ` (${t.trigger})` : ''}${t.message ? `: ${t.message}` : ''}`) : '–',
    ],
    ['Last promotion', p ? esc(`v${p.version} ${p.decision}: ${p.reason}`) : '–'],
    [
      'Drift monitors',
      monitors.length === 0
        ? '<span class="muted">none</span>'
        : monitors
            .map((d) => link(href(DEPTH, paths.monitor(ns, d.metadata.name ?? '')), d.metadata.name ?? ''))
            .join(', '),
    ],
    ['Traffic', link(href(DEPTH, paths.traffic(ns, name)), 'predictions per persona')],
  ];
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

export function renderModelPage(input: ModelPageInput): string {
  const ns = input.model.metadata.namespace ?? '';
  const name = input.model.metadata.name ?? '';
  const paging = [
    input.before !== undefined ? link('?', 'Newest versions') : '',
    input.versions.next !== null ? link(`?before=${input.versions.next}`, 'Older versions →') : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return page({
    title: `${ns}/${name}`,
    crumbs: [{ label: 'console', href: href(DEPTH, paths.models()) }, { label: ns }, { label: name }],
    body:
      summary(input.model, input.monitors, ns, name) +
      (input.sweep ? sweepCharts(input.sweep) : '') +
      '<h2>Versions</h2>' +
      table(
        [
          'Version',
          'Created',
          'Aliases',
          'k',
          'Silhouette',
          'Inertia',
          'Calinski-Harabasz',
          'Davies-Bouldin',
          'Trigger',
          'Data',
          'Production decision',
          '',
        ],
        versionRows(input, ns, name),
      ) +
      (paging ? `<p>${paging}</p>` : '') +
      historySection(input.history),
  });
}
