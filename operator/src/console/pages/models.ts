// The models page: every PersonaModel the caller may see, with its state and its monitors'
// last drift result.
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { esc, href, link, num, page, paths, table, td, tdHtml, time } from '../html.ts';

export interface ModelsPageInput {
  models: readonly PersonaModel[];
  monitors: readonly DriftMonitor[];
  /** Namespaces with models the caller may not see, counted so an empty page is explained. */
  hiddenNamespaces: number;
  viewer: string;
}

const DEPTH = 0;

function driftCell(monitors: readonly DriftMonitor[]): string {
  if (monitors.length === 0) return '<span class="muted">no monitor</span>';
  return monitors
    .map((m) => {
      const ns = m.metadata.namespace ?? '';
      const name = m.metadata.name ?? '';
      const r = m.status?.lastReport;
      const verdict = r
        ? `<span class="${r.driftDetected ? 'yes' : 'no'}">${r.driftDetected ? 'drift' : 'no drift'}</span> (share ${esc(num(r.driftShare, 2))}) ${esc(time(m.status?.lastRunTime))}`
        : '<span class="muted">no run yet</span>';
      return `${link(href(DEPTH, paths.monitor(ns, name)), name)}: ${verdict}`;
    })
    .join('<br>');
}

export function renderModelsPage(input: ModelsPageInput): string {
  const rows = [...input.models]
    .sort(
      (a, b) =>
        (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )
    .map((m) => {
      const ns = m.metadata.namespace ?? '';
      const name = m.metadata.name ?? '';
      const s = m.status;
      const silhouette = s?.lastTraining?.metrics?.silhouette;
      const own = input.monitors.filter((d) => d.metadata.namespace === ns && d.spec.modelRef.name === name);
      return [
        td(ns),
        tdHtml(link(href(DEPTH, paths.model(ns, name)), name)),
        td(s?.phase ?? 'Pending'),
        td(s?.servingVersion === undefined ? '–' : String(s.servingVersion), true),
        td(s?.productionVersion === undefined ? '–' : String(s.productionVersion), true),
        td(s?.latestVersion === undefined ? '–' : String(s.latestVersion), true),
        td(silhouette === undefined ? '–' : num(silhouette, 3), true),
        tdHtml(driftCell(own)),
        tdHtml(link(href(DEPTH, paths.traffic(ns, name)), 'traffic')),
      ];
    });
  const hidden =
    input.hiddenNamespaces > 0
      ? `<p class="muted">${input.hiddenNamespaces} namespace(s) hold models you may not get; they are left out.</p>`
      : '';
  return page({
    title: 'Persona models',
    crumbs: [{ label: 'console' }],
    body:
      table(
        ['Namespace', 'Model', 'Phase', 'Serving', 'Production', 'Latest', 'Silhouette', 'Last drift', ''],
        rows,
      ) +
      hidden +
      `<p class="muted">Viewing as ${esc(input.viewer)}.</p>`,
  });
}
