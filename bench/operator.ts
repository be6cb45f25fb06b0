// bench:operator — how fast the operator reacts, on the local control plane with the real
// trainer and predictor: PersonaModel stored -> training Job created, and training Job
// finished -> predictor Deployment created with the new version (p50/p95 over
// OPERATOR_BENCH_MODELS models, default 20), then the Kubernetes API requests the operator
// makes per minute at rest (from its own counter).
// Both ends of every interval are watch events from the API server, timed on arrival at the
// bench's watches (so both carry the same watch delay) and checked to be in resourceVersion
// order; the objects' own timestamps (1 s resolution) are kept beside them. Raw values are
// kept and printed: nothing is clamped, and an end seen before its start is reported as a
// measurement problem. Goals: p95 <= 0.5 s and <= 1 s; at rest nothing beyond watches and the
// lease. --json keeps the record under bench/results.
// `-- --kind` runs the same figures on a real kind cluster instead (bench/operator-kind.ts).
import { performance } from 'node:perf_hooks';
import { Watch, type KubernetesObject, type V1Deployment, type V1Job } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../operator/src/api/v1alpha1/common.ts';
import { waitFor } from '../test/cluster/wait.ts';
import { percentile, requestCounts } from './operator-figures.ts';
import { keepRecord, startBench } from './record.ts';
import {
  PLURAL,
  applyModel,
  isReadyOn,
  seedModel,
  startE2e,
  waitForModel,
  type OperatorProcess,
} from '../test/e2e/support.ts';

const MODELS = Number(process.env.OPERATOR_BENCH_MODELS ?? 20);
/** Models in flight at once (1: each reaction measured without other models' pods starting). */
const CONCURRENCY = Number(process.env.OPERATOR_BENCH_CONCURRENCY ?? 1);
/** Models left serving for the at-rest measurement. */
const KEEP = 3;
const REST_WINDOW_MS = Number(process.env.OPERATOR_BENCH_REST_MS ?? 60_000);

/** One watch event: when the bench received it, its resourceVersion and the object's own time. */
interface Seen {
  at: number;
  resourceVersion: number;
  /** RFC 3339, 1 s resolution: creationTimestamp, or the Job's completionTime. */
  objectTime: string | undefined;
}

interface Timeline {
  modelAdded?: Seen;
  jobCreated?: Seen;
  jobFinished?: Seen;
  /** The Deployment's first event whose pod template carries a model version (ADDED). */
  deploymentCreated?: Seen;
}

function seen(obj: KubernetesObject, objectTime: Date | string | undefined): Seen {
  return {
    at: performance.now(),
    resourceVersion: Number(obj.metadata?.resourceVersion ?? NaN),
    objectTime: objectTime === undefined ? undefined : new Date(objectTime).toISOString(),
  };
}

interface Interval {
  model: string;
  ms: number;
  /** Difference of the objects' own timestamps (whole seconds), for comparison. */
  objectMs: number | null;
  /** The end's resourceVersion is above the start's, as the API server ordered them. */
  inOrder: boolean;
}

function interval(model: string, start: Seen, end: Seen): Interval {
  const objectMs =
    start.objectTime && end.objectTime ? Date.parse(end.objectTime) - Date.parse(start.objectTime) : null;
  return { model, ms: end.at - start.at, objectMs, inOrder: end.resourceVersion > start.resourceVersion };
}

function summary(label: string, intervals: Interval[], goalMs: number): string {
  const s = intervals.map((i) => i.ms).sort((a, b) => a - b);
  const p50 = percentile(s, 50);
  const p95 = percentile(s, 95);
  const objects = intervals.flatMap((i) => (i.objectMs === null ? [] : [i.objectMs])).sort((a, b) => a - b);
  const lines = [
    `${label.padEnd(48)} n=${s.length}  min ${s[0].toFixed(0)} ms  p50 ${p50.toFixed(0)} ms  p95 ${p95.toFixed(0)} ms  max ${s[s.length - 1].toFixed(0)} ms  (goal p95 <= ${goalMs} ms: ${p95 <= goalMs ? 'met' : 'NOT met'}, ratio ${(p95 / goalMs).toFixed(2)})`,
    `  object timestamps (1 s resolution): p50 ${percentile(objects, 50)} ms  max ${objects[objects.length - 1]} ms`,
  ];
  const negative = intervals.filter((i) => i.ms < 0).length;
  const outOfOrder = intervals.filter((i) => !i.inOrder).length;
  if (negative || outOfOrder) {
    lines.push(
      `  MEASUREMENT PROBLEM: ${negative} negative, ${outOfOrder} out of resourceVersion order (kept as measured)`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const bench = startBench('bench:operator');
  const t0 = performance.now();
  const e = await startE2e({ namespace: 'bench' });
  let operator: OperatorProcess | undefined;
  const stops: (() => void)[] = [];
  try {
    operator = e.startOperator({ name: 'bench' });
    await operator.healthPort;
    process.stdout.write(`environment ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    const timelines = new Map<string, Timeline>();
    const line = (name: string) => {
      let t = timelines.get(name);
      if (!t) timelines.set(name, (t = {}));
      return t;
    };
    const watch = new Watch(e.cluster.kubeConfig);
    const modelWatch = await watch.watch(
      `/apis/${GROUP}/${VERSION}/namespaces/${e.namespace}/${PLURAL}`,
      {},
      (phase, model: KubernetesObject) => {
        const name = model.metadata?.name;
        if (name && phase === 'ADDED')
          line(name).modelAdded ??= seen(model, model.metadata?.creationTimestamp);
      },
      () => undefined,
    );
    stops.push(() => modelWatch.abort());
    const jobWatch = await watch.watch(
      `/apis/batch/v1/namespaces/${e.namespace}/jobs`,
      {},
      (phase, job: V1Job) => {
        const model = job.metadata?.labels?.['personas.dtc.dev/model'];
        if (!model) return;
        const t = line(model);
        if (phase === 'ADDED') t.jobCreated ??= seen(job, job.metadata?.creationTimestamp);
        if (job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
          t.jobFinished ??= seen(job, job.status.completionTime);
      },
      () => undefined,
    );
    stops.push(() => jobWatch.abort());
    const deployWatch = await watch.watch(
      `/apis/apps/v1/namespaces/${e.namespace}/deployments`,
      {},
      (phase, d: V1Deployment) => {
        const model = d.metadata?.labels?.['personas.dtc.dev/model'];
        const version = d.spec?.template.metadata?.labels?.[`${GROUP}/version`];
        if (model && version && phase !== 'DELETED')
          line(model).deploymentCreated ??= seen(d, d.metadata?.creationTimestamp);
      },
      () => undefined,
    );
    stops.push(() => deployWatch.abort());

    const names = Array.from({ length: MODELS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++];
        await applyModel(e, seedModel(name, e.namespace));
        await waitFor(`${name}: Deployment created`, async () => line(name).deploymentCreated !== undefined, {
          timeoutMs: 180_000,
          intervalMs: 50,
          diagnostics: e.diagnostics,
        });
        process.stdout.write(`.`);
        // Keep the machine quiet for the next ones: only the last few stay.
        if (names.indexOf(name) < names.length - KEEP) {
          await e.custom.deleteNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: e.namespace,
            plural: PLURAL,
            name,
          });
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stdout.write('\n');

    const created: Interval[] = [];
    const rolled: Interval[] = [];
    for (const name of names) {
      const t = line(name);
      if (!t.modelAdded || !t.jobCreated || !t.jobFinished || !t.deploymentCreated) {
        throw new Error(`${name}: incomplete timeline ${JSON.stringify(t)}`);
      }
      created.push(interval(name, t.modelAdded, t.jobCreated));
      rolled.push(interval(name, t.jobFinished, t.deploymentCreated));
    }
    process.stdout.write(`${summary('PersonaModel ADDED -> training Job ADDED', created, 500)}\n`);
    process.stdout.write(`${summary('Job Complete -> Deployment with the version ADDED', rolled, 1000)}\n`);

    // At rest: the kept models serve, nothing changes; count what the operator asks for.
    for (const name of names.slice(-KEEP)) await waitForModel(e, name, 'Ready', isReadyOn(1), 180_000);
    await new Promise((r) => setTimeout(r, 5000));
    const before = requestCounts(await operator.metrics());
    const started = performance.now();
    await new Promise((r) => setTimeout(r, REST_WINDOW_MS));
    const after = requestCounts(await operator.metrics());
    const minutes = (performance.now() - started) / 60_000;
    let total = 0;
    let outside = 0;
    const rows: string[] = [];
    for (const [key, value] of after) {
      const delta = value - (before.get(key) ?? 0);
      if (delta === 0) continue;
      total += delta;
      const allowed = key.startsWith('watch ') || key.endsWith('NamespacedLease');
      if (!allowed) outside += delta;
      rows.push(
        `  ${key.padEnd(40)} ${(delta / minutes).toFixed(1)}/min${allowed ? '' : '  <- not a watch or the lease'}`,
      );
    }
    process.stdout.write(
      `API requests at rest over ${(minutes * 60).toFixed(0)} s with ${KEEP} models serving: ${(total / minutes).toFixed(1)}/min\n`,
    );
    for (const r of rows) process.stdout.write(`${r}\n`);
    process.stdout.write(
      `requests beyond watches and the lease: ${(outside / minutes).toFixed(1)}/min (goal 0: ${outside === 0 ? 'met' : 'NOT met'})\n`,
    );
    keepRecord(bench, {
      models: MODELS,
      concurrency: CONCURRENCY,
      timelines: Object.fromEntries(timelines),
      jobCreated: created,
      deploymentCreated: rolled,
      restRequestsPerMinute: total / minutes,
      restRequestsBeyondWatchesPerMinute: outside / minutes,
    });
  } finally {
    for (const s of stops) s();
    await e.stop();
  }
}

const run = process.argv.includes('--kind')
  ? import('./operator-kind.ts').then((m) => m.benchOperatorOnKind())
  : main();
run.catch((err: unknown) => {
  process.stderr.write(`bench:operator failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
