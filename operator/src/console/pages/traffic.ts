// Predictions per persona over time, counted from the prediction log: only counts, never a
// logged row, so no customer's features reach the page.
import type { PersonaTrafficBucket } from '@persona-operator/registry';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { lineChart, type Series } from '../charts.ts';
import { figure, href, link, page, paths, table, td, time } from '../html.ts';
import { ConsoleError, findModel, type ConsoleSource } from '../source.ts';

const DEPTH = 4;
/** The windows offered, in hours, and how many buckets each is cut into. */
export const TRAFFIC_WINDOWS = [1, 6, 24, 168] as const;
export const TRAFFIC_BUCKETS = 48;
const DEFAULT_HOURS = 24;

export interface TrafficPageInput {
  model: PersonaModel;
  hours: number;
  since: Date;
  until: Date;
  bucketSeconds: number;
  buckets: PersonaTrafficBucket[];
}

export async function gatherTrafficPage(
  source: ConsoleSource,
  namespace: string,
  name: string,
  params: URLSearchParams,
): Promise<TrafficPageInput> {
  const model = findModel(source, namespace, name);
  const raw = params.get('hours');
  const hours = raw === null ? DEFAULT_HOURS : Number(raw);
  if (!(TRAFFIC_WINDOWS as readonly number[]).includes(hours)) {
    throw new ConsoleError(
      400,
      `hours must be one of ${TRAFFIC_WINDOWS.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  const bucketSeconds = (hours * 3600) / TRAFFIC_BUCKETS;
  // Buckets aligned to whole buckets since the epoch, so a reload shows the same bars.
  const step = bucketSeconds * 1000;
  const until = new Date(Math.ceil(source.now().getTime() / step) * step);
  const since = new Date(until.getTime() - hours * 3600_000);
  const buckets = await source.registry
    .personaTraffic({ namespace, name }, { since, until, bucketSeconds })
    .catch((err: unknown) => {
      if ((err as Error).name === 'RegistryNotFoundError') return [];
      throw err;
    });
  return { model, hours, since, until, bucketSeconds, buckets };
}

export function renderTrafficPage(input: TrafficPageInput): string {
  const ns = input.model.metadata.namespace ?? '';
  const name = input.model.metadata.name ?? '';
  const personas = [...new Set(input.buckets.map((b) => b.persona))].sort();
  // Every bucket of the window gets a point: a bucket without a logged prediction counts 0.
  const step = input.bucketSeconds * 1000;
  const starts = Array.from({ length: TRAFFIC_BUCKETS }, (_, i) => input.since.getTime() + i * step);
  const counts = new Map(input.buckets.map((b) => [`${b.persona}\n${b.start.getTime()}`, b.count]));
  const series: Series[] = personas.map((persona) => ({
    name: persona,
    points: starts.map((t) => {
      const count = counts.get(`${persona}\n${t}`) ?? 0;
      return { x: t, y: count, title: `${time(new Date(t))} ${persona}: ${count} predictions` };
    }),
  }));
  const totals = personas.map((p) => [
    td(p),
    td(String(input.buckets.filter((b) => b.persona === p).reduce((a, b) => a + b.count, 0)), true),
  ]);
  const logging = input.model.spec.serving?.logPredictions === true;
  const windows = TRAFFIC_WINDOWS.map((h) =>
    h === input.hours ? `<b>${h} h</b>` : link(`?hours=${h}`, `${h} h`),
  ).join(' · ');
  return page({
    title: `${ns}/${name}: traffic`,
    crumbs: [
      { label: 'console', href: href(DEPTH, paths.models()) },
      { label: ns },
      { label: name, href: href(DEPTH, paths.model(ns, name)) },
      { label: 'traffic' },
    ],
    body:
      (logging
        ? ''
        : '<p class="yes">Prediction logging is off for this model (spec.serving.logPredictions); the log holds only what was written while it was on.</p>') +
      `<p>Window: ${windows}. From ${time(input.since)} to ${time(input.until)}, in buckets of ${input.bucketSeconds / 60} minutes.</p>` +
      (personas.length === 0
        ? '<p class="muted">No logged predictions in this window.</p>'
        : figure(
            'Predictions per persona and bucket',
            lineChart({
              label: 'Predictions per persona over time',
              yFromZero: true,
              xAxis: 'time',
              series,
              width: 900,
              height: 260,
            }),
          ) + table(['Persona', 'Predictions'], totals)),
  });
}
