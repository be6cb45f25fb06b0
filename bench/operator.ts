// bench:operator — how fast the operator reacts, on the local control plane with the real
// trainer and predictor: apply -> training Job created, and training Job finished ->
// predictor Deployment updated (p50/p95 over OPERATOR_BENCH_MODELS models, default 20), then
// the Kubernetes API requests the operator makes per minute at rest (from its own counter).
// Times are when the bench's own watches see each change, so both ends carry the same
// watch delay. Goals: p95 <= 0.5 s and <= 1 s; at rest nothing beyond watches and the lease.
// `-- --kind` runs the same figures on a real kind cluster instead (bench/operator-kind.ts).
import { performance } from 'node:perf_hooks';
import { Watch, type V1Deployment, type V1Job } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../operator/src/api/v1alpha1/common.ts';
import { waitFor } from '../test/cluster/wait.ts';
import { percentile, requestCounts } from './operator-figures.ts';
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

interface Timeline {
  applied?: number;
  /** The apply request returned: the object is stored and the operator can see it. */
  stored?: number;
  jobCreated?: number;
  jobFinished?: number;
  deploymentUpdated?: number;
}

function summary(label: string, values: number[], goalMs: number): string {
  const s = [...values].sort((a, b) => a - b);
  const p50 = percentile(s, 50);
  const p95 = percentile(s, 95);
  return `${label.padEnd(40)} n=${s.length}  p50 ${p50.toFixed(0)} ms  p95 ${p95.toFixed(0)} ms  max ${s[s.length - 1].toFixed(0)} ms  (goal p95 <= ${goalMs} ms: ${p95 <= goalMs ? 'met' : 'NOT met'}, ratio ${(p95 / goalMs).toFixed(2)})`;
}

async function main(): Promise<void> {
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
    const jobWatch = await watch.watch(
      `/apis/batch/v1/namespaces/${e.namespace}/jobs`,
      {},
      (phase, job: V1Job) => {
        const model = job.metadata?.labels?.['personas.dtc.dev/model'];
        if (!model) return;
        const t = line(model);
        const now = performance.now();
        if (phase === 'ADDED') t.jobCreated ??= now;
        if (job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
          t.jobFinished ??= now;
      },
      () => undefined,
    );
    stops.push(() => jobWatch.abort());
    const deployWatch = await watch.watch(
      `/apis/apps/v1/namespaces/${e.namespace}/deployments`,
      {},
      (phase, d: V1Deployment) => {
        const model = d.metadata?.labels?.['personas.dtc.dev/model'];
        if (model && phase === 'ADDED') line(model).deploymentUpdated ??= performance.now();
      },
      () => undefined,
    );
    stops.push(() => deployWatch.abort());

    const names = Array.from({ length: MODELS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
    let next = 0;
    const worker = async () => {
      while (next < names.length) {
        const name = names[next++];
        line(name).applied = performance.now();
        await applyModel(e, seedModel(name, e.namespace));
        line(name).stored = performance.now();
        await waitFor(`${name}: Deployment created`, async () => line(name).deploymentUpdated !== undefined, {
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

    const created: number[] = [];
    const fromRequest: number[] = [];
    const rolled: number[] = [];
    for (const name of names) {
      const t = line(name);
      if (
        t.applied === undefined ||
        t.stored === undefined ||
        t.jobCreated === undefined ||
        t.jobFinished === undefined
      ) {
        throw new Error(`${name}: incomplete timeline ${JSON.stringify(t)}`);
      }
      // The Job can be seen before the apply response arrives: then the reaction is ~0.
      created.push(Math.max(0, t.jobCreated - t.stored));
      fromRequest.push(t.jobCreated - t.applied);
      rolled.push(t.deploymentUpdated! - t.jobFinished);
    }
    process.stdout.write(`${summary('apply (stored) -> training Job created', created, 500)}\n`);
    process.stdout.write(`${summary('  same, from the apply request being sent', fromRequest, 500)}\n`);
    process.stdout.write(`${summary('Job finished -> Deployment updated', rolled, 1000)}\n`);

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
