// bench:operator -- --kind: the operator's reactions on a real kind cluster built here, with
// the chart installed as the README's quickstart does it (two replicas, the evaluation
// Postgres, the image loaded into the nodes). Per model, applied one after the other:
//   apply -> training Job created, training Job finished -> predictor Deployment created,
//   and apply -> first prediction answered (cold: the training pod, then predictor pods start;
//   the image is already on the nodes).
// Every interval starts and ends on one clock, this machine's: the start is when the bench's
// watch sees the PersonaModel, the ends are when its watches see the Job and the Deployment
// (so both ends carry the same watch delay), and the first answer is timed by a client pod
// inside the cluster that polls the predictor's Service and prints the kernel's clock, which
// the kind nodes share with this machine. Then the API requests the leader makes per minute
// at rest, from both replicas' own counters.
import { mkdirSync, writeFileSync } from 'node:fs';
import { KubeConfig, Watch, type V1Deployment, type V1Job } from '@kubernetes/client-node';
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
import { percentile, requestCounts } from './operator-figures.ts';

const MODELS = Number(process.env.OPERATOR_BENCH_MODELS ?? 5);
const REST_WINDOW_MS = Number(process.env.OPERATOR_BENCH_REST_MS ?? 60_000);
const ns = 'persona-system';
const MODEL_LABEL = 'personas.dtc.dev/model';
const log = (line: string): void => console.log(`bench:operator --kind: ${line}`);

interface Timeline {
  seen?: number;
  jobCreated?: number;
  jobFinished?: number;
  deploymentCreated?: number;
  firstAnswer?: number;
}

function row(label: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
  return `${label.padEnd(44)} n=${s.length}  min ${f(s[0])}  p50 ${f(percentile(s, 50))}  p95 ${f(percentile(s, 95))}  max ${f(s[s.length - 1])}`;
}

const instance =
  '{"instances":[{"age":35,"income":60000,"eco_score":8.7,"price_sensitivity":4,"online_share":0.5,"monthly_spend":320,"loyalty_years":4,"brand_trust":7,"preferred_channel":"store"}]}';

export async function benchOperatorOnKind(): Promise<void> {
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
    const timelines = new Map<string, Timeline>();
    const line = (name: string): Timeline => {
      let t = timelines.get(name);
      if (!t) timelines.set(name, (t = {}));
      return t;
    };
    const watch = new Watch(kc);
    const on = async <T extends { metadata?: { name?: string; labels?: Record<string, string> } }>(
      path: string,
      fn: (phase: string, obj: T) => void,
    ): Promise<void> => {
      const req = await watch.watch(path, {}, fn, () => undefined);
      stops.push(() => req.abort());
    };
    await on(`/apis/personas.dtc.dev/v1alpha1/namespaces/${ns}/personamodels`, (phase, pm) => {
      const name = pm.metadata?.name;
      if (phase === 'ADDED' && name?.startsWith('bench-')) line(name).seen ??= Date.now();
    });
    await on<V1Job>(`/apis/batch/v1/namespaces/${ns}/jobs`, (phase, job) => {
      const model = job.metadata?.labels?.[MODEL_LABEL];
      if (!model?.startsWith('bench-')) return;
      if (phase === 'ADDED') line(model).jobCreated ??= Date.now();
      if (job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
        line(model).jobFinished ??= Date.now();
    });
    await on<V1Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments`, (phase, d) => {
      const model = d.metadata?.labels?.[MODEL_LABEL];
      if (model?.startsWith('bench-') && phase === 'ADDED') line(model).deploymentCreated ??= Date.now();
    });

    const names = Array.from({ length: MODELS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
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
      line(name).firstAnswer = Number((await poll).trim());
      log(`${name}: answered`);
    }

    const seen = (t: Timeline, key: keyof Timeline, name: string): number => {
      const v = t[key];
      if (v === undefined) throw new Error(`${name}: the bench's watch never saw ${key}`);
      return v;
    };
    const created: number[] = [];
    const rolled: number[] = [];
    const answered: number[] = [];
    for (const name of names) {
      const t = line(name);
      created.push(seen(t, 'jobCreated', name) - seen(t, 'seen', name));
      rolled.push(seen(t, 'deploymentCreated', name) - seen(t, 'jobFinished', name));
      answered.push(seen(t, 'firstAnswer', name) - seen(t, 'seen', name));
    }
    console.log(row('apply (seen) -> training Job created', created));
    console.log(row('training Job finished -> Deployment created', rolled));
    console.log(row('apply (seen) -> first prediction answered', answered));

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
      if (delta <= 0) continue;
      total += delta;
      console.log(`  ${key.padEnd(40)} ${(delta / minutes).toFixed(1)}/min`);
    }
    console.log(
      `API requests at rest over ${(minutes * 60).toFixed(0)} s with ${MODELS} models serving (both replicas): ${(total / minutes).toFixed(1)}/min`,
    );
    const record = {
      when: new Date().toISOString(),
      models: MODELS,
      created,
      rolled,
      answered,
      restPerMinute: total / minutes,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/operator-kind.json', `${JSON.stringify(record, null, 2)}\n`);
    console.log(`timings:\n${timings.table()}\nrecord: bench/results/operator-kind.json`);
  } finally {
    for (const s of stops) s();
    if (!process.env.PERSONA_KIND_KEEP) await deleteCluster(assets.binaries.kind, cluster.name, log);
  }
}
