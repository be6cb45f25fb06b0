// bench:operator -- --kind: the operator's reactions on a real kind cluster built here, with
// the chart installed as the README's quickstart does it (two replicas, the evaluation
// Postgres, the image loaded into the nodes). Per model, applied one after the other: version 1
// trained and served, then a retrain requested with the personas.dtc.dev/retrain annotation and
// version 2 rolled out. The intervals are the local bench's (bench/operator-figures.ts: both
// ends watch events of the API server, in resourceVersion order, raw values kept), plus
// apply -> first prediction answered (cold: the training pod, then predictor pods start; the
// image is already on the nodes), timed by a client pod inside the cluster that polls the
// predictor's Service and prints the kernel's clock, which the kind nodes share with this
// machine. Then the API requests the leader makes per minute at rest, from both replicas' own
// counters.
import { KubeConfig, type KubernetesObject, type V1Deployment, type V1Job } from '@kubernetes/client-node';
import { assetPaths } from '../test/cluster/assets.ts';
import { ensureKindAssets } from '../test/kind/assets.ts';
import { createCluster, deleteCluster } from '../test/kind/cluster.ts';
import {
  buildImage,
  createSecrets,
  helmInstall,
  loadImage,
  loadSeedData,
  toolsImage,
} from '../test/kind/install.ts';
import { makeShell, Timings } from '../test/kind/shell.ts';
import {
  RETRAIN_ANNOTATION,
  Timelines,
  percentile,
  personaModelsPath,
  reactions,
  requestCounts,
  reactionSummaries,
  watchEvents,
} from './operator-figures.ts';
import { keepRecord, startBench } from './record.ts';

const MODELS = Number(process.env.OPERATOR_BENCH_MODELS ?? 5);
const REST_WINDOW_MS = Number(process.env.OPERATOR_BENCH_REST_MS ?? 60_000);
const ns = 'persona-system';
const RETRAIN_TOKEN = 'bench-retrain';
const log = (line: string): void => console.log(`bench:operator --kind: ${line}`);

function row(label: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  return `${label}\n  n=${s.length}  min ${f(s[0])}  p50 ${f(percentile(s, 50))}  p95 ${f(percentile(s, 95))}  max ${f(s[s.length - 1])}`;
}

const instance =
  '{"instances":[{"age":35,"income":60000,"eco_score":8.7,"price_sensitivity":4,"online_share":0.5,"monthly_spend":320,"loyalty_years":4,"brand_trust":7,"preferred_channel":"store"}]}';

export async function benchOperatorOnKind(): Promise<void> {
  const bench = startBench('bench:operator --kind');
  const timings = new Timings('bench:operator --kind');
  const assets = await timings.time('assets (build or check)', () => ensureKindAssets(log));
  const cluster = await timings.time('kind create cluster', () =>
    createCluster(assets.binaries.kind, assets.nodeImage, log),
  );
  const sh = await makeShell({
    kubeconfig: cluster.kubeconfig,
    binaries: [assets.binaries.kind, assets.binaries.kubectl, assetPaths().helm],
  });
  const stops: (() => void)[] = [];
  try {
    const installed = (
      await sh.run(`helm status persona-operator -n ${ns} >/dev/null 2>&1 && echo yes || true`)
    ).trim();
    if (installed !== 'yes') {
      await timings.time('docker build', () => buildImage(sh));
      await timings.time('kind load docker-image', () => loadImage(sh, cluster.name));
      await timings.time('helm install, rollout status', () => helmInstall(sh, ns));
      await timings.time('Secrets', () => createSecrets(sh, ns));
      await timings.time('seed data Job', () => loadSeedData(sh, ns));
    }
    await sh.run(
      `kubectl -n ${ns} run bench-client --image=${toolsImage} --restart=Never --overrides='{"spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":65532}}}' -- sleep infinity
      kubectl -n ${ns} wait --for=condition=Ready pod/bench-client --timeout=3m`,
      { timeoutMs: 4 * 60_000 },
    );

    const kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    const isBench = (model: string) => model.startsWith('bench-');
    const timelines = new Timelines(RETRAIN_TOKEN, isBench);
    const problems: string[] = [];
    const problem = (m: string) => {
      problems.push(m);
      log(m);
    };
    stops.push(
      await watchEvents<KubernetesObject>(
        kc,
        personaModelsPath(ns),
        (p, pm) => timelines.onModel(p, pm),
        problem,
      ),
      await watchEvents<V1Job>(
        kc,
        `/apis/batch/v1/namespaces/${ns}/jobs`,
        (p, j) => timelines.onJob(p, j),
        problem,
      ),
      await watchEvents<V1Deployment>(
        kc,
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        (p, d) => timelines.onDeployment(p, d),
        problem,
      ),
    );

    const names = Array.from({ length: MODELS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
    const answered: number[] = [];
    for (const name of names) {
      // The client pod starts polling before the apply, so its first success is the first
      // moment the Service answers.
      const poll = sh.run(
        `kubectl -n ${ns} exec bench-client -- sh -c 'until curl -sf -o /dev/null -XPOST http://${name}-predictor/v1/models/${name}:predict -H "content-type: application/json" -d '"'"'${instance}'"'"'; do sleep 0.1; done; date +%s%3N'`,
        { timeoutMs: 15 * 60_000 },
      );
      await sh.run(
        `sed -e 's/^  name: customers$/  name: ${name}/' -e 's/replicas: 2/replicas: 1/' examples/02-personamodel.yaml | kubectl -n ${ns} apply -f -`,
      );
      const firstAnswer = Number((await poll).trim());
      const added = timelines.of(name).modelAdded;
      if (!added) throw new Error(`${name}: answered before the bench's watch saw it added`);
      answered.push(firstAnswer - added.at);
      log(`${name}: answered; requesting a retrain`);
      await sh.run(`kubectl -n ${ns} annotate personamodel ${name} ${RETRAIN_ANNOTATION}=${RETRAIN_TOKEN}`);
      const until = Date.now() + 15 * 60_000;
      while (timelines.of(name).deployment.length < 2) {
        if (Date.now() > until) throw new Error(`${name}: version 2 never reached the Deployment`);
        await new Promise((r) => setTimeout(r, 100));
      }
      log(`${name}: version 2 in the Deployment`);
    }

    const r = reactions(timelines, names);
    for (const l of [
      ...reactionSummaries(r),
      row('PersonaModel ADDED (seen) -> first prediction answered', answered),
    ])
      console.log(l);

    // At rest: the bench models serve and nothing changes; the leader's own request counter.
    await new Promise((r) => setTimeout(r, 5000));
    const metrics = async (): Promise<string> =>
      sh.run(
        `for pod in $(kubectl -n ${ns} get pods -l app.kubernetes.io/component=operator -o name); do
          kubectl -n ${ns} exec "$pod" -- node -e "fetch('http://127.0.0.1:8081/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))"
        done`,
        { timeoutMs: 60_000 },
      );
    const before = requestCounts(await metrics());
    const started = Date.now();
    await new Promise((r) => setTimeout(r, REST_WINDOW_MS));
    const after = requestCounts(await metrics());
    const minutes = (Date.now() - started) / 60_000;
    let total = 0;
    for (const [key, value] of after) {
      const delta = value - (before.get(key) ?? 0);
      if (delta === 0) continue;
      total += delta;
      // A counter that went down means a replica restarted: kept as measured, and said so.
      console.log(
        `  ${key.padEnd(40)} ${(delta / minutes).toFixed(1)}/min${delta < 0 ? '  MEASUREMENT PROBLEM: the counter went down' : ''}`,
      );
    }
    console.log(
      `API requests at rest over ${(minutes * 60).toFixed(0)} s with ${MODELS} models serving (both replicas): ${(total / minutes).toFixed(1)}/min`,
    );
    keepRecord(bench, {
      models: MODELS,
      timelines: Object.fromEntries(timelines.byModel),
      ...r,
      answeredMs: answered,
      watchProblems: problems,
      restRequestsPerMinute: total / minutes,
      stepTimings: timings.table(),
    });
    console.log(`timings:\n${timings.table()}`);
  } finally {
    for (const s of stops) s();
    if (!process.env.PERSONA_KIND_KEEP) await deleteCluster(assets.binaries.kind, cluster.name, log);
  }
}
