// The end-to-end fixture: the local control plane with the node agent running our real
// trainer and predictor processes, a real Postgres holding the registry and the seed
// scenario's survey table, the CRDs, the operator's RBAC from the chart's rules file, and
// the operator itself as a child process authenticated as its ServiceAccount (not admin).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1PolicyRule,
  type V1Pod,
} from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { Registry } from '@persona-operator/registry';
import { SEED_FEATURES } from '@persona-operator/core/synth/seed-scenario';
import { GROUP, VERSION } from '../../operator/src/api/v1alpha1/common.ts';
import type { Condition } from '../../operator/src/api/v1alpha1/common.ts';
import type { PersonaModel, PersonaModelSpec } from '../../operator/src/api/v1alpha1/personamodel.ts';
import { startCluster, type Cluster } from '../cluster/index.ts';
import { waitFor } from '../cluster/wait.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';

const run = promisify(execFile);
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
export const PERSONA_BIN = repo('cli/bin/persona.js');
const CRD_DIR = repo('crds/');
const RBAC_RULES = repo('charts/persona-operator/files/operator-rbac-rules.yaml');

export const OPERATOR_NAMESPACE = 'persona-system';
export const OPERATOR_SA = 'persona-operator';
export const IMAGE = 'persona-operator:e2e';
export const PLURAL = 'personamodels';

export interface OperatorProcess {
  child: ChildProcess;
  name: string;
  /** Everything it printed (JSON log lines). */
  output(): string;
  /** Resolves with the health/metrics port once it listens. */
  healthPort: Promise<number>;
  exited: Promise<number | null>;
  /** SIGKILL (a crash) or SIGTERM (a graceful stop); resolves when the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  metrics(): Promise<string>;
}

export interface OperatorOptions {
  name?: string;
  args?: string[];
  kubeconfig?: string;
  env?: Record<string, string>;
  /** Node's arguments up to the command: the sources under tsx unless given (a bundle, flags). */
  entry?: string[];
}

/** A short lease so hand-over and restarts take seconds, not the default 15 s. */
export const SHORT_LEASE = ['--lease-duration', '4', '--renew-deadline', '3', '--retry-period', '1'];

export interface E2e {
  cluster: Cluster;
  pg: TestPostgres;
  registry: Registry;
  namespace: string;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  /** The operator's ServiceAccount kubeconfig. */
  operatorKubeconfig: string;
  startOperator(opts?: OperatorOptions): OperatorProcess;
  operators: OperatorProcess[];
  diagnostics(): string;
  stop(): Promise<void>;
}

/** The survey columns of the seed scenario, in feature order. */
export const SEED_COLUMNS = SEED_FEATURES.map((f) => f.name);

export function januaryQuery(month = '2025-01'): string {
  return `SELECT ${SEED_COLUMNS.join(', ')} FROM survey WHERE month = '${month}'`;
}

/** A small, fast PersonaModel over the seed scenario's January batch. */
export function seedModel(
  name: string,
  namespace: string,
  overrides: Partial<PersonaModelSpec> = {},
): PersonaModel {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'PersonaModel',
    metadata: { name, namespace },
    spec: {
      features: SEED_FEATURES.map((f) => ({ name: f.name, type: f.type })),
      training: {
        data: { postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: januaryQuery() } },
        k: { min: 3, max: 4 },
        nInit: 2,
        seed: 1,
      },
      promotion: { policy: 'Automatic', minSilhouette: 0.05 },
      serving: { replicas: 1, progressDeadlineSeconds: 20 },
      ...overrides,
    },
  };
}

/** The custom resource definitions, applied as the chart does (server-side). */
export async function installCrds(cluster: Pick<Cluster, 'kubeconfigPath'>): Promise<void> {
  await run('kubectl', ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--server-side', '-f', CRD_DIR]);
}

export async function waitEstablished(cluster: Pick<Cluster, 'kubeConfig'>): Promise<void> {
  const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  await waitFor(
    'the CRDs to serve',
    async () => {
      await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL });
      return true;
    },
    { timeoutMs: 30_000 },
  );
}

export async function installRbac(cluster: Pick<Cluster, 'kubeConfig' | 'controlPlane'>): Promise<string> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await cluster.controlPlane.createNamespace(OPERATOR_NAMESPACE);
  await core.createNamespacedServiceAccount({
    namespace: OPERATOR_NAMESPACE,
    body: { metadata: { name: OPERATOR_SA } },
  });
  const rules = load(readFileSync(RBAC_RULES, 'utf8')) as V1PolicyRule[];
  await rbac.createClusterRole({ body: { metadata: { name: 'persona-operator' }, rules } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'persona-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'persona-operator' },
      subjects: [{ kind: 'ServiceAccount', name: OPERATOR_SA, namespace: OPERATOR_NAMESPACE }],
    },
  });
  // The trainer's and predictor's ServiceAccounts are not made here: the operator makes them.
  return cluster.controlPlane.serviceAccountKubeconfig(OPERATOR_NAMESPACE, OPERATOR_SA);
}

export async function startE2e(opts: { namespace?: string; rowsPerMonth?: number } = {}): Promise<E2e> {
  const namespace = opts.namespace ?? 'personas';
  const [cluster, pg] = await Promise.all([startCluster(), startPostgres()]);
  const operators: OperatorProcess[] = [];
  let registry: Registry | undefined;
  const stop = async () => {
    await Promise.all(operators.map((o) => o.kill('SIGKILL')));
    await registry?.close().catch(() => undefined);
    await cluster.stop();
    await pg.stop();
  };
  try {
    // No migration here: the operator creates the registry schema itself, as on a new cluster.
    registry = await Registry.connect(pg.url);
    await run(process.execPath, [
      PERSONA_BIN,
      'data',
      'generate',
      '--scenario',
      'seed',
      '--rows',
      String(opts.rowsPerMonth ?? 500),
      '--postgres',
      pg.url,
      '--table',
      'survey',
    ]);
    await installCrds(cluster);
    await cluster.controlPlane.createNamespace(namespace);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of ['persona-registry', 'customer-db']) {
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name }, stringData: { url: pg.url } },
      });
    }
    const operatorKubeconfig = await installRbac(cluster);
    await waitEstablished(cluster);
    const reg = registry;

    const startOperator = (o: OperatorOptions = {}): OperatorProcess => {
      const proc = spawnOperator({
        ...o,
        name: o.name ?? `operator-${operators.length + 1}`,
        kubeconfig: o.kubeconfig ?? operatorKubeconfig,
        registryUrl: pg.url,
      });
      operators.push(proc);
      return proc;
    };

    return {
      cluster,
      pg,
      registry: reg,
      namespace,
      custom: cluster.kubeConfig.makeApiClient(CustomObjectsApi),
      core,
      apps: cluster.kubeConfig.makeApiClient(AppsV1Api),
      batch: cluster.kubeConfig.makeApiClient(BatchV1Api),
      operatorKubeconfig,
      startOperator,
      operators,
      diagnostics: () =>
        [
          cluster.diagnostics(),
          ...operators.map((o) => `===== ${o.name} =====\n${o.output().slice(-60_000)}`),
        ].join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The operator as a child process (`persona operator` with leader election), its output kept
 * and its health/metrics port read from its log.
 */
export function spawnOperator(
  o: OperatorOptions & { name: string; kubeconfig: string; registryUrl: string },
): OperatorProcess {
  const child = spawn(
    process.execPath,
    [
      ...(o.entry ?? [PERSONA_BIN]),
      'operator',
      '--kubeconfig',
      o.kubeconfig,
      '--identity',
      o.name,
      '--health-port',
      '0',
      '--leader-elect',
      '--lease-namespace',
      OPERATOR_NAMESPACE,
      ...(o.args ?? []),
    ],
    {
      env: {
        ...process.env,
        PERSONA_REGISTRY_URL: o.registryUrl,
        PERSONA_IMAGE: IMAGE,
        PERSONA_BIND_ADDRESS: '127.0.0.1',
        LOG_LEVEL: 'debug',
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let resolvePort: (p: number) => void = () => undefined;
  const healthPort = new Promise<number>((resolve) => (resolvePort = resolve));
  const onData = (d: Buffer) => {
    const text = d.toString();
    out = (out + text).slice(-2_000_000);
    const m = /"port":(\d+),"msg":"health and metrics server listening"/.exec(text);
    if (m) resolvePort(Number(m[1]));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    name: o.name,
    output: () => out,
    healthPort,
    exited,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    metrics: async () => {
      const port = await healthPort;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      return res.text();
    },
  };
}

// ---- helpers the scenarios share ----

export async function getModel(e: E2e, name: string): Promise<PersonaModel> {
  return (await e.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: e.namespace,
    plural: PLURAL,
    name,
  })) as PersonaModel;
}

export async function applyModel(e: E2e, model: PersonaModel): Promise<PersonaModel> {
  return (await e.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: e.namespace,
      plural: PLURAL,
      name: model.metadata.name!,
      body: model,
      fieldManager: 'e2e-test',
      force: true,
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  )) as PersonaModel;
}

/** Merge-patches the model's spec (and annotations), as `kubectl patch --type merge` does. */
export async function patchModel(e: E2e, name: string, patch: object): Promise<PersonaModel> {
  return (await e.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: e.namespace, plural: PLURAL, name, body: patch },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as PersonaModel;
}

export const condition = (m: PersonaModel, type: string): Condition | undefined =>
  m.status?.conditions?.find((c) => c.type === type);

export function describeStatus(m: PersonaModel | undefined): string {
  if (!m) return 'no object';
  const s = m.status;
  const conds = (s?.conditions ?? [])
    .map((c) => `${c.type}=${c.status}(${c.reason}: ${c.message})`)
    .join('; ');
  return `phase=${s?.phase} serving=${s?.servingVersion} production=${s?.productionVersion} latest=${s?.latestVersion} training=${s?.lastTraining?.result}/${s?.lastTraining?.jobName} promotion=${s?.lastPromotion?.decision}:${s?.lastPromotion?.reason} ${conds}`;
}

/** Waits until `check` accepts the model; the failure names the last status seen. */
export async function waitForModel(
  e: E2e,
  name: string,
  what: string,
  check: (m: PersonaModel) => boolean,
  timeoutMs = 120_000,
): Promise<PersonaModel> {
  let last: PersonaModel | undefined;
  return waitFor(
    `${name}: ${what}`,
    async () => {
      last = await getModel(e, name);
      if (check(last)) return last;
      throw new Error(describeStatus(last));
    },
    { timeoutMs, intervalMs: 150, diagnostics: e.diagnostics },
  );
}

export const isReadyOn = (version: number) => (m: PersonaModel) =>
  m.status?.phase === 'Serving' &&
  m.status.servingVersion === version &&
  condition(m, 'Ready')?.status === 'True' &&
  m.status.observedGeneration === m.metadata.generation;

export async function predictorPods(e: E2e, model: string): Promise<V1Pod[]> {
  const res = await e.core.listNamespacedPod({
    namespace: e.namespace,
    labelSelector: `personas.dtc.dev/model=${model},app.kubernetes.io/component=predictor`,
  });
  return res.items;
}

export const podReady = (p: V1Pod): boolean =>
  !p.metadata?.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export interface Prediction {
  persona: string;
  personaId: number;
  distance: number;
  confidence: number;
}

/** Posts one seed-like row to a ready predictor pod by its IP (there is no kube-proxy). */
export async function predictOnce(
  e: E2e,
  model: string,
): Promise<{ pod: string; version: string | undefined; prediction: Prediction }> {
  const pods = (await predictorPods(e, model)).filter(podReady);
  if (pods.length === 0) throw new Error(`no ready predictor pod of ${model}`);
  const pod = pods[0];
  const row = {
    age: 34,
    income: 58000,
    eco_score: 8.5,
    price_sensitivity: 4,
    online_share: 0.6,
    monthly_spend: 310,
    loyalty_years: 3,
    brand_trust: 7,
    preferred_channel: 'online',
  };
  const res = await fetch(`http://${pod.status!.podIP}:8080/v1/models/${model}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [row] }),
  });
  const body = (await res.json()) as { predictions?: Prediction[]; error?: string };
  if (res.status !== 200 || !body.predictions)
    throw new Error(`predict: HTTP ${res.status} ${JSON.stringify(body)}`);
  return {
    pod: pod.metadata!.name!,
    version: pod.metadata?.labels?.['personas.dtc.dev/version'],
    prediction: body.predictions[0],
  };
}

export async function jobsOf(e: E2e, model: string): Promise<string[]> {
  const res = await e.batch.listNamespacedJob({
    namespace: e.namespace,
    labelSelector: `personas.dtc.dev/model=${model},app.kubernetes.io/component=training`,
  });
  return res.items.map((j) => j.metadata!.name!).sort();
}

export interface EventSeen {
  reason: string;
  message: string;
  type: string;
}

/** An `until` for eventsOf: an Event of each reason is there. */
export const hasReasons =
  (...reasons: string[]) =>
  (events: EventSeen[]): boolean =>
    reasons.every((r) => events.some((ev) => ev.reason === r));

/**
 * The Events on an object. The operator queues Events and writes them after the reconcile
 * goes on, so one may reach the API server after the status a test waited for: with `until`,
 * this waits (up to 15 s) for the list to satisfy it, and returns the list either way.
 */
export async function eventsOf(
  e: E2e,
  name: string,
  kind: 'PersonaModel' | 'DriftMonitor' = 'PersonaModel',
  until?: (events: EventSeen[]) => boolean,
): Promise<EventSeen[]> {
  const list = async () => {
    const res = await e.core.listNamespacedEvent({
      namespace: e.namespace,
      fieldSelector: `involvedObject.name=${name},involvedObject.kind=${kind}`,
    });
    return res.items.map((ev) => ({
      reason: ev.reason ?? '',
      message: ev.message ?? '',
      type: ev.type ?? '',
    }));
  };
  let events = await list();
  const deadline = Date.now() + 15_000;
  while (until && !until(events) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    events = await list();
  }
  return events;
}
