// The personas of one version: a heat map of personas × features in the features' own units
// (each numeric feature shaded from its lowest to its highest centroid), the values in a table,
// and the persona mix of the training data.
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import type { ModelVersion } from '@persona-operator/registry';
import { heatMap, shareBars, type HeatCell } from '../charts.ts';
import { figure, href, link, num, page, paths, table, td } from '../html.ts';
import { ConsoleError, findModel, type ConsoleSource } from '../source.ts';

const DEPTH = 5;

export interface VersionPageInput {
  namespace: string;
  name: string;
  version: ModelVersion;
  artifact: ModelArtifact;
}

export async function loadVersion(
  source: ConsoleSource,
  namespace: string,
  name: string,
  version: number,
): Promise<{ version: ModelVersion; artifact: ModelArtifact }> {
  const ref = { namespace, name, version };
  try {
    return {
      version: await source.registry.getVersion(ref),
      artifact: await source.registry.loadArtifact(ref),
    };
  } catch (err) {
    if ((err as Error).name === 'RegistryNotFoundError') {
      throw new ConsoleError(404, `model ${namespace}/${name} has no version ${version}`);
    }
    throw err;
  }
}

export async function gatherVersionPage(
  source: ConsoleSource,
  namespace: string,
  name: string,
  version: number,
): Promise<VersionPageInput> {
  findModel(source, namespace, name);
  return { namespace, name, ...(await loadVersion(source, namespace, name, version)) };
}

/** Personas × features, numeric cells shaded per feature, categorical cells neutral. */
export function centroidHeatMap(artifact: ModelArtifact, label: string): string {
  const ranges = new Map<string, [number, number]>();
  for (const f of artifact.features) {
    if (f.type !== 'numeric') continue;
    const values = artifact.personas
      .map((p) => p.centroid[f.name])
      .filter((v): v is number => typeof v === 'number');
    ranges.set(f.name, [Math.min(...values), Math.max(...values)]);
  }
  const cells: HeatCell[][] = artifact.personas.map((p) =>
    artifact.features.map((f) => {
      const v = p.centroid[f.name];
      const range = ranges.get(f.name);
      if (typeof v !== 'number' || !range) {
        return { shade: null, text: String(v ?? '–'), title: `${p.name}, ${f.name}: ${String(v ?? '–')}` };
      }
      const [lo, hi] = range;
      return {
        shade: hi > lo ? (v - lo) / (hi - lo) : 0.5,
        text: num(v, 3),
        title: `${p.name}, ${f.name}: ${num(v)} (personas range ${num(lo, 3)} to ${num(hi, 3)})`,
      };
    }),
  );
  return heatMap({
    label,
    rows: artifact.personas.map((p) => p.name),
    columns: artifact.features.map((f) => f.name),
    cells,
  });
}

/** Share of training rows per persona, by persona id; undefined for versions without it. */
export function trainingMix(artifact: ModelArtifact): number[] | undefined {
  const counts = artifact.referenceStats?.personaCounts;
  if (!counts) return undefined;
  const total = counts.reduce((a, b) => a + b, 0);
  return artifact.personas.map((p) => (total > 0 ? (counts[p.id] ?? 0) / total : 0));
}

export function renderVersionPage(input: VersionPageInput): string {
  const { namespace: ns, name, artifact, version } = input;
  const v = version.version;
  const mix = trainingMix(artifact);
  const valueRows = artifact.personas.map((p) => [
    td(p.name),
    ...artifact.features.map((f) => {
      const value = p.centroid[f.name];
      return td(typeof value === 'number' ? num(value) : String(value ?? '–'), typeof value === 'number');
    }),
    td(mix ? `${((mix[artifact.personas.indexOf(p)] ?? 0) * 100).toFixed(1)} %` : '–', true),
  ]);
  const mixSection = mix
    ? figure(
        `Share of the ${artifact.referenceStats?.rows ?? ''} training rows nearest to each persona`,
        shareBars({
          label: 'Persona mix of the training data',
          series: [`v${v}`],
          groups: artifact.personas.map((p, i) => ({ label: p.name, values: [mix[i]] })),
        }),
      )
    : '<p class="muted">This version was trained before the persona mix was stored with it.</p>';
  const links = [
    link(href(DEPTH, paths.model(ns, name)), 'all versions'),
    v > 1 ? link(href(DEPTH, paths.compare(ns, name, v - 1, v)), `compare with v${v - 1}`) : '',
  ]
    .filter(Boolean)
    .join(' · ');
  return page({
    title: `${ns}/${name} v${v}: personas`,
    crumbs: [
      { label: 'console', href: href(DEPTH, paths.models()) },
      { label: ns },
      { label: name, href: href(DEPTH, paths.model(ns, name)) },
      { label: `v${v}` },
    ],
    body:
      `<p>${links}</p>` +
      '<h2>Centroids</h2>' +
      '<p class="muted">Each numeric feature is shaded from its lowest persona (light) to its highest (dark); categorical features show the dominant category. Hover a cell for its value.</p>' +
      figure(
        'Personas × features, in the features’ own units',
        centroidHeatMap(artifact, 'Persona centroids'),
      ) +
      table(['Persona', ...artifact.features.map((f) => f.name), 'Training share'], valueRows) +
      '<h2>Persona mix of the training data</h2>' +
      mixSection,
  });
}
