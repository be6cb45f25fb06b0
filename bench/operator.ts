// bench:operator — how fast the operator reacts, on the local control plane with the real
// trainer and predictor. Per model (OPERATOR_BENCH_MODELS, default 20, one after the other):
// it is applied, trains version 1 and serves it; then a retrain is requested with the
// personas.dtc.dev/retrain annotation and version 2 is rolled out. Four intervals, each between
// two watch events of the API server (bench/operator-figures.ts says how they are timed and
// checked): PersonaModel ADDED -> training Job ADDED; Job Complete -> predictor Deployment
// ADDED with version 1; retrain annotation MODIFIED -> second Job ADDED; and the one a rollout
// waits on, second Job Complete -> Deployment MODIFIED to carry version 2. Then the Kubernetes
// API requests the operator makes per minute at rest (from its own counter). Goals: p95 <= 0.5 s
// for a Job to be created, <= 1 s for the Deployment; at rest nothing beyond watches and the
// lease. --json keeps the record under bench/results.
// `-- --kind` runs the same figures on a real kind cluster instead (bench/operator-kind.ts).
import { performance } from 'node:perf_hooks';
import type { KubernetesObject, V1Deployment, V1Job } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../operator/src/api/v1alpha1/common.ts';
import { waitFor } from '../test/cluster/wait.ts';
import {
  RETRAIN_ANNOTATION,
  Timelines,
  percentile,
  type Interval,
  personaModelsPath,
  reactions,
  requestCounts,
  reactionSummaries,
  watchEvents,
} from './operator-figures.ts';
import { keepRecord, startBench } from './record.ts';
import {
  PLURAL,
  applyModel,
  isReadyOn,
  patchModel,
  seedModel,
  startE2e,
  waitForModel,
  type OperatorProcess,
} from '../test/e2e/support.ts';

const MODELS = Number(process.env.OPERATOR_BENCH_MODELS ?? 20);
/** Models left serving for the at-rest measurement. */
const KEEP = 3;
const REST_WINDOW_MS = Number(process.env.OPERATOR_BENCH_REST_MS ?? 60_000);
const RETRAIN_TOKEN = 'bench-retrain';

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

    const timelines = new Timelines(RETRAIN_TOKEN);
    const problems: string[] = [];
    const problem = (m: string) => {
      problems.push(m);
      process.stdout.write(`\n${m}\n`);
    };
    const kc = e.cluster.kubeConfig;
    stops.push(
      await watchEvents<KubernetesObject>(
        kc,
        personaModelsPath(e.namespace),
        (phase, pm) => timelines.onModel(phase, pm),
        problem,
      ),
      await watchEvents<V1Job>(
        kc,
        `/apis/batch/v1/namespaces/${e.namespace}/jobs`,
        (phase, job) => timelines.onJob(phase, job),
        problem,
      ),
      await watchEvents<V1Deployment>(
        kc,
        `/apis/apps/v1/namespaces/${e.namespace}/deployments`,
        (phase, d) => timelines.onDeployment(phase, d),
        problem,
      ),
    );

    const names = Array.from({ length: MODELS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
    const deployed = (name: string, versions: number) =>
      waitFor(
        `${name}: Deployment with version ${versions}`,
        async () => timelines.of(name).deployment.length >= versions,
        { timeoutMs: 180_000, intervalMs: 50, diagnostics: e.diagnostics },
      );
    for (const [i, name] of names.entries()) {
      // A generous progress deadline: a rollback on a busy machine would end the run, and how
      // fast pods start is not what this measures.
      await applyModel(
        e,
        seedModel(name, e.namespace, { serving: { replicas: 1, progressDeadlineSeconds: 600 } }),
      );
      await deployed(name, 1);
      await waitForModel(e, name, 'Ready on version 1', isReadyOn(1), 600_000);
      await patchModel(e, name, { metadata: { annotations: { [RETRAIN_ANNOTATION]: RETRAIN_TOKEN } } });
      await deployed(name, 2);
      process.stdout.write(`${i + 1}/${names.length} `);
      // Keep the machine quiet for the next ones: only the last few stay.
      if (i < names.length - KEEP) {
        await e.custom.deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: e.namespace,
          plural: PLURAL,
          name,
        });
      }
    }
    process.stdout.write('\n');

    const r = reactions(timelines, names);
    const lines = reactionSummaries(r);
    for (const l of lines) process.stdout.write(`${l}\n`);

    // At rest: the kept models serve, nothing changes; count what the operator asks for.
    for (const name of names.slice(-KEEP))
      await waitForModel(e, name, 'Ready on version 2', isReadyOn(2), 600_000);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const before = requestCounts(await operator.metrics());
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, REST_WINDOW_MS));
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
    for (const row of rows) process.stdout.write(`${row}\n`);
    process.stdout.write(
      `requests beyond watches and the lease: ${(outside / minutes).toFixed(1)}/min (goal 0: ${outside === 0 ? 'met' : 'NOT met'})\n`,
    );
    keepRecord(bench, {
      models: MODELS,
      timelines: Object.fromEntries(timelines.byModel),
      ...r,
      p95Ms: Object.fromEntries(
        (Object.entries(r) as [string, Interval[]][]).map(([k, v]) => [
          k,
          percentile(
            v.map((x) => x.ms).sort((x, y) => x - y),
            95,
          ),
        ]),
      ),
      watchProblems: problems,
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
