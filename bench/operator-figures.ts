// What both operator benches share: the timelines they build from the API server's watch
// events, the intervals between them, percentiles, and the operator's API request counter.
//
// Every point of a timeline is one watch event: when this machine received it, its
// resourceVersion, and the object's own timestamp (RFC 3339, whole seconds). An interval is
// the difference of two arrival times, so both ends carry the same watch delay; the
// resourceVersions say whether the API server stored the end after the start, and the object
// timestamps give a coarse second opinion. Raw values are kept: nothing is clamped, and an
// interval that is negative or out of resourceVersion order is reported as a measurement
// problem, never adjusted.
import { performance } from 'node:perf_hooks';
import {
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1Job,
} from '@kubernetes/client-node';
import { GROUP, RETRAIN_ANNOTATION, VERSION } from '../operator/src/api/v1alpha1/common.ts';
import { VERSION_LABEL } from '../operator/src/controllers/personamodel/naming.ts';
import { COMPONENT_LABEL, MODEL_LABEL } from '../operator/src/controllers/shared/labels.ts';

export { RETRAIN_ANNOTATION };

export function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** The operator's `persona_operator_api_requests_total` counters (summed over every scrape given), by `verb resource`. */
export function requestCounts(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const m = /^persona_operator_api_requests_total\{verb="([^"]*)",resource="([^"]*)"\} (\S+)/.exec(line);
    if (m) out.set(`${m[1]} ${m[2]}`, (out.get(`${m[1]} ${m[2]}`) ?? 0) + Number(m[3]));
  }
  return out;
}

/** One watch event as the bench received it. */
export interface Seen {
  /** Milliseconds since the epoch on this machine's monotonic clock (timeOrigin + now()). */
  at: number;
  phase: string;
  resourceVersion: number;
  /** The object's own time (RFC 3339, 1 s resolution), when it has one for this event. */
  objectTime: string | undefined;
}

function seen(phase: string, obj: KubernetesObject, objectTime: Date | string | undefined): Seen {
  return {
    at: performance.timeOrigin + performance.now(),
    phase,
    resourceVersion: Number(obj.metadata?.resourceVersion ?? NaN),
    objectTime: objectTime === undefined ? undefined : new Date(objectTime).toISOString(),
  };
}

/** The newest write recorded in the object's managedFields: when this version of it was stored. */
function lastWrite(obj: KubernetesObject): Date | undefined {
  const times = (obj.metadata?.managedFields ?? []).flatMap((f) =>
    f.time ? [new Date(f.time).getTime()] : [],
  );
  return times.length ? new Date(Math.max(...times)) : undefined;
}

/** One model's life as the watches saw it. */
export interface Timeline {
  modelAdded?: Seen;
  /** The first PersonaModel event carrying the bench's retrain token. */
  retrainRequested?: Seen;
  /** Training Jobs in the order they were created. */
  jobs: { name: string; created: Seen; finished?: Seen }[];
  /** The first Deployment event carrying each model version in its pod template, in order. */
  deployment: { version: string; seen: Seen }[];
}

/** Timelines by model name, fed by watch events; `retrainToken` marks the bench's retrain request. */
export class Timelines {
  readonly byModel = new Map<string, Timeline>();

  constructor(
    private readonly retrainToken: string,
    private readonly include: (model: string) => boolean = () => true,
  ) {}

  of(model: string): Timeline {
    let t = this.byModel.get(model);
    if (!t) this.byModel.set(model, (t = { jobs: [], deployment: [] }));
    return t;
  }

  onModel(phase: string, pm: KubernetesObject): void {
    const name = pm.metadata?.name;
    if (!name || !this.include(name)) return;
    const t = this.of(name);
    if (phase === 'ADDED') t.modelAdded ??= seen(phase, pm, pm.metadata?.creationTimestamp);
    if (phase === 'MODIFIED' && pm.metadata?.annotations?.[RETRAIN_ANNOTATION] === this.retrainToken)
      t.retrainRequested ??= seen(phase, pm, lastWrite(pm));
  }

  onJob(phase: string, job: V1Job): void {
    const labels = job.metadata?.labels;
    const model = labels?.[MODEL_LABEL];
    const name = job.metadata?.name;
    if (!model || !name || labels?.[COMPONENT_LABEL] !== 'training' || !this.include(model)) return;
    const jobs = this.of(model).jobs;
    let entry = jobs.find((j) => j.name === name);
    if (!entry && phase === 'ADDED') {
      entry = { name, created: seen(phase, job, job.metadata?.creationTimestamp) };
      jobs.push(entry);
    }
    if (entry && job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
      entry.finished ??= seen(phase, job, job.status.completionTime);
  }

  onDeployment(phase: string, d: V1Deployment): void {
    const model = d.metadata?.labels?.[MODEL_LABEL];
    const version = d.spec?.template.metadata?.labels?.[VERSION_LABEL];
    if (!model || !version || phase === 'DELETED' || !this.include(model)) return;
    const deployment = this.of(model).deployment;
    if (deployment.some((v) => v.version === version)) return;
    const objectTime = phase === 'ADDED' ? d.metadata?.creationTimestamp : lastWrite(d);
    deployment.push({ version, seen: seen(phase, d, objectTime) });
  }
}

/**
 * Watches `path` until stopped. A watch the server closes is started again from the last
 * resourceVersion seen, so no event is lost; an ERROR event (the version is too old) is
 * reported and ends the watch, so the bench waits in vain and says why rather than carry on
 * with a hole in its timelines. Returns the stop function.
 */
export async function watchEvents<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  onEvent: (phase: string, obj: T) => void,
  onProblem: (message: string) => void,
): Promise<() => void> {
  const watch = new Watch(kc);
  let lastVersion: string | undefined;
  let ended = false;
  let current: AbortController | undefined;
  const start = async (): Promise<void> => {
    current = await watch.watch(
      path,
      lastVersion ? { resourceVersion: lastVersion } : {},
      (phase: string, obj: T) => {
        if (phase === 'ERROR') {
          ended = true;
          onProblem(`watch ${path}: ${JSON.stringify(obj)}`);
          return;
        }
        lastVersion = obj.metadata?.resourceVersion ?? lastVersion;
        onEvent(phase, obj);
      },
      (err: unknown) => {
        if (ended) return;
        onProblem(
          `watch ${path} closed (${err ? String(err) : 'by the server'}); restarting from ${lastVersion}`,
        );
        void start().catch((e: unknown) => onProblem(`watch ${path} could not restart: ${String(e)}`));
      },
    );
  };
  await start();
  return () => {
    ended = true;
    current?.abort();
  };
}

/** An interval between two watch events of one model, as measured. */
export interface Interval {
  model: string;
  ms: number;
  /** Difference of the objects' own timestamps (whole seconds), for comparison. */
  objectMs: number | null;
  /** The end's resourceVersion is above the start's: the API server stored them in this order. */
  inOrder: boolean;
  /** The end event's type where it matters (a Deployment update must be MODIFIED). */
  endPhase: string;
}

export function interval(model: string, start: Seen, end: Seen): Interval {
  const objectMs =
    start.objectTime && end.objectTime ? Date.parse(end.objectTime) - Date.parse(start.objectTime) : null;
  return {
    model,
    ms: end.at - start.at,
    objectMs,
    inOrder: end.resourceVersion > start.resourceVersion,
    endPhase: end.phase,
  };
}

/** The intervals every operator bench reports, from complete timelines; throws naming what is missing. */
export interface Reactions {
  /** PersonaModel ADDED -> its first training Job ADDED. */
  jobCreated: Interval[];
  /** First training Job Complete -> the predictor Deployment ADDED with the first version. */
  deploymentCreated: Interval[];
  /** PersonaModel MODIFIED with the retrain annotation -> the second training Job ADDED. */
  retrainJobCreated: Interval[];
  /** Second training Job Complete -> the Deployment MODIFIED to carry the second version. */
  deploymentUpdated: Interval[];
}

export function reactions(timelines: Timelines, models: readonly string[]): Reactions {
  const out: Reactions = {
    jobCreated: [],
    deploymentCreated: [],
    retrainJobCreated: [],
    deploymentUpdated: [],
  };
  for (const name of models) {
    const t = timelines.of(name);
    const [first, second] = t.jobs;
    const [v1, v2] = t.deployment;
    const missing = [
      !t.modelAdded && 'PersonaModel ADDED',
      !first && 'first training Job ADDED',
      !first?.finished && 'first training Job Complete',
      !v1 && 'Deployment with the first version',
      !t.retrainRequested && 'PersonaModel MODIFIED with the retrain annotation',
      !second && 'second training Job ADDED',
      !second?.finished && 'second training Job Complete',
      !v2 && 'Deployment with the second version',
    ].filter(Boolean);
    if (missing.length)
      throw new Error(`${name}: the watches never saw ${missing.join(', ')}: ${JSON.stringify(t)}`);
    out.jobCreated.push(interval(name, t.modelAdded!, first.created));
    out.deploymentCreated.push(interval(name, first.finished!, v1.seen));
    out.retrainJobCreated.push(interval(name, t.retrainRequested!, second.created));
    out.deploymentUpdated.push(interval(name, second.finished!, v2.seen));
  }
  return out;
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '-' : `${v.toFixed(0)} ms`);

/** Min, percentiles and max of the raw intervals, the goal, and any measurement problem. */
export function summary(label: string, intervals: Interval[], goalMs: number, endPhase?: string): string {
  const s = intervals.map((i) => i.ms).sort((a, b) => a - b);
  const p95 = percentile(s, 95);
  const objects = intervals.flatMap((i) => (i.objectMs === null ? [] : [i.objectMs])).sort((a, b) => a - b);
  const lines = [
    `${label}`,
    `  n=${s.length}  min ${ms(s[0])}  p50 ${ms(percentile(s, 50))}  p95 ${ms(p95)}  max ${ms(s[s.length - 1])}` +
      `  (goal p95 <= ${goalMs} ms: ${p95 <= goalMs ? 'met' : 'NOT met'}, p95 / goal ${(p95 / goalMs).toFixed(2)})`,
    `  object timestamps (1 s resolution): p50 ${ms(percentile(objects, 50))}  max ${ms(objects[objects.length - 1])}`,
  ];
  const negative = intervals.filter((i) => i.ms < 0).length;
  const outOfOrder = intervals.filter((i) => !i.inOrder).length;
  const wrongPhase = endPhase ? intervals.filter((i) => i.endPhase !== endPhase).length : 0;
  if (negative || outOfOrder || wrongPhase) {
    lines.push(
      `  MEASUREMENT PROBLEM: ${negative} negative, ${outOfOrder} out of resourceVersion order` +
        (endPhase ? `, ${wrongPhase} ended on an event other than ${endPhase}` : '') +
        ' (kept as measured)',
    );
  }
  return lines.join('\n');
}

/** The four reaction lines both operator benches print, each against its goal. */
export function reactionSummaries(r: Reactions): string[] {
  return [
    summary('PersonaModel ADDED -> training Job ADDED', r.jobCreated, 500),
    summary(
      'retrain annotation (PersonaModel MODIFIED) -> second training Job ADDED',
      r.retrainJobCreated,
      500,
    ),
    summary(
      'Job Complete -> predictor Deployment ADDED with version 1 (created)',
      r.deploymentCreated,
      1000,
      'ADDED',
    ),
    summary(
      'second Job Complete -> Deployment MODIFIED with version 2 (updated)',
      r.deploymentUpdated,
      1000,
      'MODIFIED',
    ),
  ];
}

export const personaModelsPath = (namespace: string): string =>
  `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/personamodels`;
