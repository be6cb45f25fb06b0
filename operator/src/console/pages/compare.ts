// Two versions side by side: the persona diff (matched personas and how far each centroid moved
// per feature, new, retired, split and merged personas, churn) on the newer version's reference
// sample, and both versions' training persona mix.
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { personaDiff, PersonaDiffError, type PersonaDiff } from '@persona-operator/core/personas/diff';
import { heatMap, shareBars, type HeatCell } from '../charts.ts';
import { esc, figure, href, link, num, page, paths, td, time } from '../html.ts';
import { ConsoleError, findModel, positiveInt, type ConsoleSource } from '../source.ts';
import { centroidHeatMap, loadVersion, trainingMix } from './version.ts';

const DEPTH = 4;
/** Centroid shifts beyond this many standard deviations get the darkest shade. */
const SHIFT_SCALE = 2;

interface Side {
  version: number;
  artifact: ModelArtifact;
}

export interface ComparePageInput {
  namespace: string;
  name: string;
  from: Side;
  to: Side;
  /** The diff, or why the two versions cannot be diffed. */
  diff: PersonaDiff | { error: string };
  /** When the diff was stored by the training Job (what the promotion gate judged); undefined: computed for this page. */
  storedAt?: Date;
}

export async function gatherComparePage(
  source: ConsoleSource,
  namespace: string,
  name: string,
  params: URLSearchParams,
): Promise<ComparePageInput> {
  findModel(source, namespace, name);
  const from = positiveInt(params, 'from');
  const to = positiveInt(params, 'to');
  if (from === undefined || to === undefined) {
    throw new ConsoleError(400, 'compare needs two versions: ?from=<version>&to=<version>');
  }
  if (from === to) throw new ConsoleError(400, `from and to are both version ${from}; pick two versions`);
  const [a, b] = await Promise.all([
    loadVersion(source, namespace, name, from),
    loadVersion(source, namespace, name, to),
  ]);
  const older = { version: from, artifact: a.artifact };
  const newer = { version: to, artifact: b.artifact };
  const stored = await source.registry.getVersionDiff({ namespace, name }, from, to);
  if (stored)
    return { namespace, name, from: older, to: newer, diff: stored.diff, storedAt: stored.createdAt };
  let diff: ComparePageInput['diff'];
  try {
    diff = personaDiff(older, newer, { source: 'training', ...newer.artifact.reference });
  } catch (err) {
    if (!(err instanceof PersonaDiffError)) throw err;
    diff = { error: err.message };
  }
  return { namespace, name, from: older, to: newer, diff };
}

function shiftMap(diff: PersonaDiff, features: string[]): string {
  const cells: HeatCell[][] = diff.matched.map((m) =>
    features.map((f) => {
      const s = m.shift[f] ?? 0;
      return {
        shade: 0.5 + Math.max(-1, Math.min(1, s / SHIFT_SCALE)) / 2,
        text: num(s, 2),
        title: `${m.from} → ${m.to}, ${f}: moved ${num(s, 3)} standard deviations`,
      };
    }),
  );
  return heatMap({
    label: 'Centroid shift per matched persona and feature',
    rows: diff.matched.map((m) => (m.from === m.to ? m.from : `${m.from} → ${m.to}`)),
    columns: features,
    cells,
    diverging: true,
  });
}

function mixBars(input: ComparePageInput): string {
  const a = trainingMix(input.from.artifact);
  const b = trainingMix(input.to.artifact);
  if (!a || !b)
    return '<p class="muted">One of the versions was trained before the persona mix was stored.</p>';
  const names = [
    ...new Set([...input.from.artifact.personas, ...input.to.artifact.personas].map((p) => p.name)),
  ];
  const share = (art: ModelArtifact, mix: number[], persona: string) => {
    const i = art.personas.findIndex((p) => p.name === persona);
    return i < 0 ? null : mix[i];
  };
  return figure(
    'Share of training rows nearest to each persona',
    shareBars({
      label: 'Persona mix of both versions',
      series: [`v${input.from.version}`, `v${input.to.version}`],
      groups: names.map((n) => ({
        label: n,
        values: [share(input.from.artifact, a, n), share(input.to.artifact, b, n)],
      })),
    }),
  );
}

function keyValues(rows: string[][]): string {
  return `<table><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}

function diffSection(input: ComparePageInput): string {
  const d = input.diff;
  if ('error' in d) return `<h2>Persona diff</h2><p class="yes">${esc(d.error)}</p>`;
  const list = (items: string[]) => (items.length === 0 ? '–' : items.join(', '));
  const facts = keyValues([
    [td('Matched personas'), td(String(d.matched.length), true)],
    [td('New'), td(list(d.new))],
    [td('Retired'), td(list(d.retired))],
    [
      td('Split'),
      td(list(d.split.map((s) => `${s.persona} into ${s.into.map((x) => x.persona).join(' + ')}`))),
    ],
    [
      td('Merged'),
      td(list(d.merged.map((s) => `${s.persona} from ${s.from.map((x) => x.persona).join(' + ')}`))),
    ],
    [
      td('Churn (rows changing persona)'),
      td(d.churn === null ? '–' : `${(d.churn * 100).toFixed(1)} %`, true),
    ],
    [td('Adjusted Rand index'), td(num(d.adjustedRandIndex, 3), true)],
    [td(`Sample (${d.sample.source})`), td(`${d.sample.rows} rows, ${d.sample.skipped} skipped`)],
    [
      td('Origin'),
      td(
        input.storedAt
          ? `stored by the training Job of v${input.to.version} at ${time(input.storedAt)} (what the promotion gate judged)`
          : `computed for this page on the training sample of v${input.to.version}`,
      ),
    ],
  ]);
  const features = input.to.artifact.features.map((f) => f.name);
  const shifts =
    d.matched.length === 0
      ? '<p class="muted">No persona of one version matches one of the other.</p>'
      : figure(
          'How far each matched centroid moved, in the newer version’s standard deviations (blue: down, red: up)',
          shiftMap(d, features),
        );
  return `<h2>Persona diff</h2>${facts}<h3>Centroid shifts</h3>${shifts}`;
}

export function renderComparePage(input: ComparePageInput): string {
  const { namespace: ns, name } = input;
  const title = `${ns}/${name}: v${input.from.version} → v${input.to.version}`;
  return page({
    title,
    crumbs: [
      { label: 'console', href: href(DEPTH, paths.models()) },
      { label: ns },
      { label: name, href: href(DEPTH, paths.model(ns, name)) },
      { label: 'compare' },
    ],
    body:
      `<form class="inline" method="get">Compare v<input name="from" size="4" value="${input.from.version}"> with v<input name="to" size="4" value="${input.to.version}"> <button>Compare</button></form>` +
      diffSection(input) +
      '<h2>Persona mix</h2>' +
      mixBars(input) +
      '<h2>Centroids</h2><div class="charts">' +
      figure(
        `v${input.from.version}`,
        centroidHeatMap(input.from.artifact, `Centroids of v${input.from.version}`),
      ) +
      figure(
        `v${input.to.version}`,
        centroidHeatMap(input.to.artifact, `Centroids of v${input.to.version}`),
      ) +
      '</div>' +
      `<p>${link(href(DEPTH, paths.version(ns, name, input.from.version)), `v${input.from.version} personas`)} · ${link(href(DEPTH, paths.version(ns, name, input.to.version)), `v${input.to.version} personas`)}</p>`,
  });
}
