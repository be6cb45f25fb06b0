// The whole loop on this machine, in readable steps: the local control plane with the
// operator, the seed scenario's PersonaModel trained and served, predictions, a DriftMonitor
// finding no drift in February and drift in March, the notifications, the retrain it
// triggers and version 2 being served. Started by scripts/demo.mjs (which does the set-up
// and the network namespace); everything it starts is stopped on exit, also on Ctrl-C.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { GROUP, VERSION } from '../operator/src/api/v1alpha1/common.ts';
import type { DriftMonitor } from '../operator/src/api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../operator/src/api/v1alpha1/personamodel.ts';
import { freePort } from '../test/cluster/ports.ts';
import {
  SEED_COLUMNS,
  applyModel,
  getModel,
  isReadyOn,
  podReady,
  predictorPods,
  type E2e,
  type OperatorProcess,
} from '../test/e2e/support.ts';
import { startE2e } from '../test/e2e/support.ts';
import { describeDataParts, describeDataShort, describeTrigger } from '@persona-operator/registry';
import { startFakeTelegram, type FakeTelegram } from '../test/fakes/telegram.ts';
import { startFakeWebhook, type FakeWebhook } from '../test/fakes/webhook.ts';

const repo = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
const MODEL_FILE = 'examples/02-personamodel.yaml';
const MONITOR_FILE = 'examples/03-driftmonitor.yaml';
const MONITORS = 'driftmonitors';
const HMAC_KEY = 'demo-webhook-signing-key';
/** Once a year: the demo's runs come from the run-now annotation, not from the clock. */
const RARELY = '0 0 1 1 *';
const RUN_NOW = 'personas.dtc.dev/run-now';

const usage = `usage: npm run demo [-- [--rows N] [--keep] [--timeout SECONDS]]

  --rows N           survey answers per month in the generated seed data (default 500)
  --keep             after the summary, keep everything running until Ctrl-C
  --timeout SECONDS  how long each wait may take before the demo gives up (default 240)`;

// ---- output -------------------------------------------------------------------------------

const t0 = Date.now();
const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7);
const say = (line: string): void => console.log(`[${elapsed()}] ${line}`);
const detail = (line: string): void => console.log(`          ${line}`);
const heading = (title: string): void => console.log(`\n[${elapsed()}] == ${title} ==`);

/** A step that timed out or failed: the message is printed with the diagnostics tail. */
class DemoError extends Error {}

// ---- polling with progress ------------------------------------------------------------------

interface Follow<T> {
  what: string;
  read: () => Promise<T>;
  /** Named facts about the object; each one that changes is printed. */
  facts: (obj: T) => Record<string, string | undefined>;
  done: (obj: T) => boolean;
  timeoutMs: number;
  /** Facts already printed (shared between waits on one object, so nothing is repeated). */
  seen?: Map<string, string>;
}

/** Polls until done, printing each fact as it changes and a heartbeat every 15 s of silence. */
async function follow<T>(f: Follow<T>): Promise<T> {
  const deadline = Date.now() + f.timeoutMs;
  const seen = f.seen ?? new Map<string, string>();
  let lastPrint = Date.now();
  let lastError = '';
  for (;;) {
    try {
      const obj = await f.read();
      for (const [key, value] of Object.entries(f.facts(obj))) {
        if (value === undefined || seen.get(key) === value) continue;
        seen.set(key, value);
        say(`  ${value}`);
        lastPrint = Date.now();
      }
      if (f.done(obj)) return obj;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const last = [...seen.values()].at(-1) ?? lastError;
      throw new DemoError(
        `timed out after ${f.timeoutMs / 1000} s waiting for ${f.what} (last seen: ${last || 'nothing'})`,
      );
    }
    if (Date.now() - lastPrint > 15_000) {
      say(`  … still waiting for ${f.what}`);
      lastPrint = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const fixed = (n: number | null | undefined, digits = 3): string => (n == null ? '?' : n.toFixed(digits));

function modelFacts(e: E2e, name: string) {
  return async (m: PersonaModel): Promise<Record<string, string | undefined>> => {
    const s = m.status ?? {};
    const t = s.lastTraining;
    const pods = (await predictorPods(e, name)).filter(podReady);
    const versions = [...new Set(pods.map((p) => p.metadata?.labels?.['personas.dtc.dev/version']))];
    return {
      phase: s.phase && `phase ${s.phase}`,
      job: t && `training Job ${t.jobName} (trigger: ${t.trigger ?? 'n/a'})`,
      trained:
        t?.result && t.result !== 'Running'
          ? `training ${t.result}${t.version ? `: version ${t.version}` : ''}${t.metrics ? `, k = ${t.metrics.k}, silhouette ${fixed(t.metrics.silhouette)}` : ''}${t.message ? ` (${t.message})` : ''}`
          : undefined,
      promotion:
        s.lastPromotion &&
        `promotion of version ${s.lastPromotion.version}: ${s.lastPromotion.decision} (${s.lastPromotion.reason})`,
      serving: s.servingVersion !== undefined ? `servingVersion ${s.servingVersion}` : undefined,
      pods: pods.length
        ? `${pods.length} predictor pod(s) ready, serving version ${versions.join(', ')}`
        : undefined,
    };
  };
}

/** What has been printed about each model, so a second wait shows only what changed. */
const modelSeen = new Map<string, Map<string, string>>();

async function waitForModelVersion(
  e: E2e,
  name: string,
  version: number,
  timeoutMs: number,
): Promise<PersonaModel> {
  if (!modelSeen.has(name)) modelSeen.set(name, new Map());
  const facts = modelFacts(e, name);
  let factsNow: Record<string, string | undefined> = {};
  return follow({
    what: `${name} to serve version ${version}`,
    read: async () => {
      const m = await getModel(e, name);
      factsNow = await facts(m);
      return m;
    },
    facts: () => factsNow,
    done: (m) => isReadyOn(version)(m) && (factsNow.pods ?? '').endsWith(`serving version ${version}`),
    timeoutMs,
    seen: modelSeen.get(name),
  });
}

// ---- predictions ----------------------------------------------------------------------------

interface Prediction {
  persona: string;
  distance: number;
  confidence: number;
}

type Row = Record<string, number | string>;

async function sampleCustomers(e: E2e, month: string, n: number): Promise<Row[]> {
  // Spread over the month's batch rather than its first rows, which come from one draw.
  const { rows } = await e.registry.pool.query<Row>(
    `SELECT ${SEED_COLUMNS.join(', ')} FROM survey WHERE month = $1 ORDER BY ctid`,
    [month],
  );
  const step = Math.max(1, Math.floor(rows.length / n));
  return Array.from({ length: Math.min(n, rows.length) }, (_, i) => rows[i * step]);
}

async function predict(
  e: E2e,
  model: string,
  rows: Row[],
): Promise<{ pod: V1Pod; version: string; predictions: Prediction[] }> {
  const pods = (await predictorPods(e, model)).filter(podReady);
  if (pods.length === 0) throw new DemoError(`no ready predictor pod of ${model}`);
  const pod = pods[0];
  const base = `http://${pod.status!.podIP}:8080`;
  const url = `${base}/v1/models/${model}:predict`;
  say(`POST ${url}  (pod ${pod.metadata!.name}, ${rows.length} customers)`);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: rows }),
  });
  const body = (await res.json()) as { predictions?: Prediction[]; error?: string };
  if (res.status !== 200 || !body.predictions)
    throw new DemoError(`predict: HTTP ${res.status} ${JSON.stringify(body)}`);
  const meta = (await (await fetch(`${base}/v2/models/${model}`)).json()) as { versions?: string[] };
  return { pod, version: meta.versions?.[0] ?? '?', predictions: body.predictions };
}

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function printPredictions(rows: Row[], preds: Prediction[], before?: Prediction[]): void {
  const num = (v: number | string, d = 0): string => Number(v).toFixed(d);
  const head = `  #  age  income   eco  price online  spend loyal trust channel  → ${pad('persona', 20)} distance  conf.${before ? '   (version 1 said)' : ''}`;
  console.log(head);
  rows.forEach((r, i) => {
    const p = preds[i];
    const cols = [
      lpad(String(i + 1), 3),
      lpad(num(r.age), 4),
      lpad(num(r.income), 7),
      lpad(num(r.eco_score, 1), 5),
      lpad(num(r.price_sensitivity, 1), 6),
      lpad(num(r.online_share, 2), 6),
      lpad(num(r.monthly_spend), 6),
      lpad(num(r.loyalty_years, 1), 5),
      lpad(num(r.brand_trust, 1), 5),
      pad(String(r.preferred_channel), 8),
    ].join(' ');
    const was = before ? `   ${before[i].persona}` : '';
    console.log(
      `${cols} → ${pad(p.persona, 20)} ${lpad(p.distance.toFixed(3), 8)} ${lpad(p.confidence.toFixed(2), 6)}${was}`,
    );
  });
}

// ---- DriftMonitor ---------------------------------------------------------------------------

async function getMonitor(e: E2e, name: string): Promise<DriftMonitor> {
  return (await e.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: e.namespace,
    plural: MONITORS,
    name,
  })) as DriftMonitor;
}

async function patchMonitor(e: E2e, name: string, patch: object): Promise<void> {
  await e.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace: e.namespace, plural: MONITORS, name, body: patch },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Sets a new run-now token and follows that run until it has finished. */
async function runNow(e: E2e, name: string, token: string, timeoutMs: number): Promise<DriftMonitor> {
  say(`kubectl annotate dm ${name} ${RUN_NOW}=${token}`);
  await patchMonitor(e, name, { metadata: { annotations: { [RUN_NOW]: token } } });
  return follow({
    what: `drift run ${token}`,
    read: () => getMonitor(e, name),
    facts: (m) => {
      const s = m.status ?? {};
      if (s.runNowToken !== token) return {};
      return { run: s.lastJobName && `drift Job ${s.lastJobName}: ${s.lastRunResult}` };
    },
    done: (m) =>
      m.status?.runNowToken === token &&
      (m.status.lastRunResult === 'Succeeded' || m.status.lastRunResult === 'Failed'),
    timeoutMs,
  });
}

function printReport(m: DriftMonitor): void {
  const s = m.status!;
  const r = s.lastReport;
  if (s.lastRunResult !== 'Succeeded' || !r) {
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    throw new DemoError(`the drift run failed: ${ready?.reason}: ${ready?.message}`);
  }
  const cols = r.columns ?? [];
  const drifted = cols.filter((c) => c.drifted);
  say(
    `${r.driftDetected ? 'DRIFT DETECTED' : 'no drift'}: ${drifted.length} of ${cols.length} columns drifted, share ${r.driftShare.toFixed(2)} (drift at >= 0.5), against version ${r.version}`,
  );
  for (const c of cols) {
    const stat =
      c.pValue !== undefined ? `p = ${c.pValue.toPrecision(3)}` : `statistic ${fixed(c.statistic)}`;
    detail(
      `${c.drifted ? '✗' : '·'} ${pad(c.name, 18)} ${pad(c.test, 14)} ${pad(stat, 18)} threshold ${c.threshold ?? '?'}`,
    );
  }
  if (r.personaMix) {
    say(`persona mix ${r.personaMix.result}${r.personaMix.moved ? `: ${r.personaMix.moved}` : ''}`);
  }
  if (r.novelty) detail(`novelty: ${(r.novelty.share * 100).toFixed(1)}% of rows far from every persona`);
  for (const moved of r.perPersona?.moved ?? []) detail(`moved: ${moved}`);
  say(`report ${r.id}: ${r.url ?? '(no URL)'}`);
}

function printNotifications(m: DriftMonitor, telegram: FakeTelegram, webhook: FakeWebhook): void {
  for (const n of m.status?.notifications ?? [])
    say(
      `notification ${n.kind} → ${n.target}: ${n.delivered ? 'delivered' : `NOT delivered (${n.error})`} after ${n.attempts} attempt(s)`,
    );
  if ((m.status?.notifications ?? []).length === 0) say('no notifications for this run');
  say(
    `FAKE Telegram received ${telegram.messages.length} message(s) so far; FAKE webhook ${webhook.deliveries.length} signed deliveries (${webhook.rejected.length} rejected)`,
  );
}

// ---- the demo -------------------------------------------------------------------------------

interface Options {
  rows: number;
  keep: boolean;
  timeoutMs: number;
}

interface Running {
  /** The loop has run to its summary: a Ctrl-C from here on (--keep) is the normal way out. */
  finished?: boolean;
  e?: E2e;
  telegram?: FakeTelegram;
  webhook?: FakeWebhook;
}

async function demo(opts: Options, running: Running): Promise<void> {
  heading('start');
  say(
    `starting the local control plane (etcd, kube-apiserver, controller-manager, scheduler), the node agent, a throwaway Postgres and the FAKE Telegram and webhook receivers`,
  );
  const [e, telegram, webhook, healthPort] = await Promise.all([
    startE2e({ namespace: 'personas', rowsPerMonth: opts.rows }),
    startFakeTelegram(),
    startFakeWebhook({ secret: HMAC_KEY }),
    freePort(),
  ]);
  Object.assign(running, { e, telegram, webhook });
  const cp = e.cluster.controlPlane;
  say(`control plane up (${(cp.startupMs / 1000).toFixed(1)} s): ${cp.server}`);
  detail(`kubeconfig ${e.cluster.kubeconfigPath}`);
  const net = e.cluster.nodeAgent.podNetwork;
  detail(
    `pod network: ${net.kind === 'anyip' ? 'pod IPs from 198.18.0.0/15' : `127.0.x.y pod IPs (${net.note})`}${process.env.PERSONA_TEST_NETNS ? ` inside network namespace ${process.env.PERSONA_TEST_NETNS}` : ''}`,
  );
  say(
    `Postgres up; registry migrated; seed survey data generated into table survey (${opts.rows} answers a month, 2025-01..2025-04)`,
  );
  say(
    'CRDs (charts/persona-operator/crds) and the operator RBAC (charts/persona-operator/files/operator-rbac-rules.yaml) installed; namespace personas with Secrets persona-registry and customer-db',
  );
  for (const [name, data] of [
    ['persona-telegram', { botToken: telegram.token }],
    ['persona-webhook', { hmacKey: HMAC_KEY }],
  ] as const) {
    await e.core.createNamespacedSecret({
      namespace: e.namespace,
      body: { metadata: { name }, stringData: data },
    });
  }
  say('Secrets persona-telegram and persona-webhook created (values for the FAKE receivers)');

  const operator: OperatorProcess = e.startOperator({
    name: 'demo-operator',
    args: ['--health-port', String(healthPort)],
    env: {
      PERSONA_REPORT_BASE_URL: `http://127.0.0.1:${healthPort}`,
      // The operator's Telegram notifier talks to the FAKE Bot API instead of api.telegram.org.
      PERSONA_TELEGRAM_API_BASE: telegram.apiBase,
      LOG_LEVEL: 'info',
    },
  });
  const port = await Promise.race([
    operator.healthPort,
    operator.exited.then((code) => {
      throw new DemoError(`the operator exited (code ${code}) before listening`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new DemoError('the operator did not start listening within 60 s')), 60_000),
    ),
  ]);
  say(
    `operator running (pid ${operator.child.pid}, ServiceAccount persona-system/persona-operator, leader election on); health, metrics and reports on http://127.0.0.1:${port}`,
  );

  heading('PersonaModel');
  const model = load(readFileSync(repo(MODEL_FILE), 'utf8')) as PersonaModel;
  model.metadata.namespace = e.namespace;
  // Smaller than the example so the demo trains in seconds on a laptop; everything else as written.
  model.spec.training.k = { min: 4, max: 6 };
  model.spec.training.nInit = 3;
  model.spec.serving = { ...model.spec.serving, replicas: 1 };
  const name = model.metadata.name!;
  say(`kubectl apply -f ${MODEL_FILE}  (patched for the demo: k 4..6, nInit 3, 1 predictor replica)`);
  detail(
    `${model.spec.features.length} features, ${model.spec.personas?.length ?? 0} named personas: ${(model.spec.personas ?? []).map((p) => p.name).join(', ')}`,
  );
  await applyModel(e, model);
  const v1 = await waitForModelVersion(e, name, 1, opts.timeoutMs);
  say(`${name} is Ready: version 1 serving at ${v1.status?.endpoint}`);

  heading('predictions (version 1)');
  const customers = await sampleCustomers(e, '2025-03', 6);
  say(`six customers from the March survey, sent to a predictor pod by its IP (no kube-proxy here)`);
  const first = await predict(e, name, customers);
  detail(`model version ${first.version}`);
  printPredictions(customers, first.predictions);

  heading('DriftMonitor over February');
  const monitor = load(readFileSync(repo(MONITOR_FILE), 'utf8')) as DriftMonitor;
  monitor.metadata.namespace = e.namespace;
  monitor.spec.schedule = RARELY;
  monitor.spec.notify = (monitor.spec.notify ?? []).map((n) =>
    n.webhook ? { ...n, webhook: { ...n.webhook, url: webhook.url } } : n,
  );
  const monitorName = monitor.metadata.name!;
  say(
    `kubectl apply -f ${MONITOR_FILE}  (patched for the demo: schedule yearly so only run-now runs happen; webhook URL → the FAKE receiver ${webhook.url}; Telegram → the FAKE Bot API ${telegram.apiBase})`,
  );
  await e.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace: e.namespace,
      plural: MONITORS,
      name: monitorName,
      body: monitor,
      fieldManager: 'persona-demo',
      force: true,
    },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
  );
  await follow({
    what: `${monitorName} to be scheduled`,
    read: () => getMonitor(e, monitorName),
    facts: (m) => ({ next: m.status?.nextRunTime && `scheduled, next run ${m.status.nextRunTime}` }),
    done: (m) => m.status?.nextRunTime !== undefined,
    timeoutMs: opts.timeoutMs,
  });
  const feb = await runNow(e, monitorName, 'february', opts.timeoutMs);
  printReport(feb);
  printNotifications(feb, telegram, webhook);
  const febUrl = feb.status?.lastReport?.url;

  heading('DriftMonitor over March');
  say(`kubectl patch dm ${monitorName} --type merge  (query: ... WHERE month = '2025-03')`);
  const marchQuery = monitor.spec.current.postgres!.query.replace("'2025-02'", "'2025-03'");
  await patchMonitor(e, monitorName, { spec: { current: { postgres: { query: marchQuery } } } });
  const march = await runNow(e, monitorName, 'march', opts.timeoutMs);
  printReport(march);
  printNotifications(march, telegram, webhook);
  const lastMessage = telegram.messages.at(-1);
  if (lastMessage) detail(`Telegram message: ${lastMessage.text.split('\n')[0].replace(/<[^>]+>/g, '')}`);
  const lastDelivery = webhook.deliveries.at(-1);
  if (lastDelivery)
    detail(
      `webhook body: ${lastDelivery.raw.slice(0, 160)}${lastDelivery.raw.length > 160 ? '…' : ''} (X-Persona-Signature verified by the receiver)`,
    );
  const marchUrl = march.status?.lastReport?.url;
  if (!march.status?.lastRetrainTriggered)
    throw new DemoError('the drift run did not trigger a retrain (see the monitor Events)');
  const token = (await getModel(e, name)).metadata.annotations?.['personas.dtc.dev/retrain'];
  say(
    `retrain triggered at ${march.status.lastRetrainTriggered}: annotation personas.dtc.dev/retrain=${token} on ${name}`,
  );

  heading('retraining');
  const v2 = await waitForModelVersion(e, name, 2, opts.timeoutMs);
  say(`${name} is Ready: version 2 promoted and serving`);
  await printRetrainedPersonas(e, name);

  heading('predictions (version 2)');
  const second = await predict(e, name, customers);
  detail(`model version ${second.version}`);
  printPredictions(customers, second.predictions, first.predictions);

  heading('summary');
  const versions = await e.registry.listVersions({ namespace: e.namespace, name });
  for (const v of versions)
    say(
      `version ${v.version}: k = ${v.metrics.k}, silhouette ${fixed(v.metrics.silhouette)}${v.aliases.length ? `  [${v.aliases.join(', ')}]` : ''}`,
    );
  const events = await e.registry.listAliasEvents({ namespace: e.namespace, name });
  for (const ev of [...events].reverse())
    detail(
      `${ev.alias}: ${ev.action} ${ev.fromVersion ?? '-'} → ${ev.toVersion ?? '-'} by ${ev.actor} (${ev.reason})`,
    );
  say(
    `${name}: phase ${v2.status?.phase}, servingVersion ${v2.status?.servingVersion}, productionVersion ${v2.status?.productionVersion}, last training trigger ${v2.status?.lastTraining?.trigger}`,
  );
  for (const [label, url] of [
    ['February report', febUrl],
    ['March report', marchUrl],
  ] as const) {
    if (!url) throw new DemoError(`the ${label} has no URL in the monitor status`);
    const res = await fetch(url);
    const html = await res.text();
    if (res.status !== 200) throw new DemoError(`GET ${url} answered ${res.status}`);
    const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
    say(`${label}: ${url} → HTTP ${res.status}, ${html.length} bytes${title ? `, "${title}"` : ''}`);
  }
  say(
    `notifications: FAKE Telegram got ${telegram.messages.length}, FAKE webhook got ${webhook.deliveries.length}`,
  );
  say(`the whole loop took ${elapsed().trim()}`);
  const ns = process.env.PERSONA_TEST_NETNS;
  if (!opts.keep)
    detail(
      `the report pages live as long as the operator: run \`npm run demo -- --keep\` to browse them${ns ? ' (inside the network namespace, e.g. with ip netns exec)' : ''}`,
    );

  running.finished = true;
  if (opts.keep) {
    const exec = ns ? `ip netns exec ${ns} ` : '';
    heading('kept running');
    say(`${exec}kubectl --kubeconfig ${e.cluster.kubeconfigPath} get pm,dm -n ${e.namespace}`);
    say(`${exec}curl -s ${marchUrl}`);
    say('press Ctrl-C to stop everything');
    await new Promise<never>(() => undefined);
  }
}

/** Features March moved for every persona (the seed scenario's shock), and which way. */
const MARCH_MOVES: readonly [string, 'down' | 'up'][] = [
  ['income', 'down'],
  ['monthly_spend', 'down'],
  ['price_sensitivity', 'up'],
  ['eco_score', 'down'],
];

/**
 * What version 2 learned: its trigger and data as the registry's lineage records them, and for
 * each persona both versions name, how its centroid moved in the features March shifted.
 */
async function printRetrainedPersonas(e: E2e, name: string): Promise<void> {
  const ref = { namespace: e.namespace, name };
  const [v1, v2] = await Promise.all([1, 2].map((version) => e.registry.getVersion({ ...ref, version })));
  detail(
    `version 2: triggered by ${describeTrigger(v2.lineage?.trigger)}, trained on ${describeDataShort(v2.lineage)}`,
  );
  for (const part of v2.lineage ? describeDataParts(v2.lineage) : []) detail(`  ${part}`);
  const [a1, a2] = await Promise.all([v1, v2].map((v) => e.registry.loadArtifact(v)));
  const before = new Map(a1.personas.map((p) => [p.name, p.centroid]));
  const kept = a2.personas.filter((p) => before.has(p.name));
  detail(
    `persona names kept: ${kept.length} of ${a2.personas.length} (${
      a2.personas
        .filter((p) => !before.has(p.name))
        .map((p) => `${p.name} new`)
        .join(', ') || 'none new'
    })`,
  );
  detail(
    `centroids, version 1 → version 2 (March: income ×0.8, spend ×0.7, price sensitivity +1.8, eco score -1.5):`,
  );
  let toward = 0;
  let moves = 0;
  for (const p of kept) {
    const old = before.get(p.name)!;
    const cells = MARCH_MOVES.map(([feature, way]) => {
      const from = Number(old[feature]);
      const to = Number(p.centroid[feature]);
      moves++;
      if (way === 'down' ? to < from : to > from) toward++;
      return `${feature} ${from.toFixed(1)} → ${to.toFixed(1)}`;
    });
    detail(`  ${pad(p.name, 20)} ${cells.join(', ')}`);
  }
  detail(`${toward} of ${moves} of these moved the way March moved`);
  if (toward * 2 <= moves)
    throw new DemoError('version 2 did not move toward March: was it trained on March?');
}

/**
 * The end of every log: control-plane components and the operator ("===== name =====") and
 * each pod's containers ("----- pod container c -----"), so a trainer's error is not
 * buried under the API server's chatter.
 */
function diagnosticsTail(e: E2e, lines = 10): string {
  const sections: string[][] = [];
  for (const line of e.diagnostics().split('\n')) {
    if (/^(=====|-----) .* (=====|-----)$/.test(line) || sections.length === 0) sections.push([line]);
    else sections[sections.length - 1].push(line);
  }
  return sections
    .map(([header, ...body]) => {
      const tail = body.filter((l) => l.trim() !== '').slice(-lines);
      return [header, ...tail].join('\n');
    })
    .join('\n');
}

async function cleanUp(running: Running): Promise<void> {
  await Promise.allSettled([running.e?.stop(), running.telegram?.stop(), running.webhook?.stop()]);
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '500' },
      keep: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '240' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return undefined;
  const rows = Number(values.rows);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(rows) || rows < 50 || rows > 100_000)
    throw new Error(`--rows must be an integer from 50 to 100000, got ${JSON.stringify(values.rows)}`);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new Error(`--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
  return { rows, keep: values.keep, timeoutMs: timeout * 1000 };
}

async function main(): Promise<number> {
  let opts: Options | undefined;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`demo: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (!opts) {
    console.log(usage);
    return 0;
  }
  const running: Running = {};
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    console.log('');
    say(`${signal}: stopping everything`);
    void cleanUp(running).then(() => {
      say('stopped; temp folders removed');
      process.exit(running.finished ? 0 : 130);
    });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  let code = 0;
  try {
    await demo(opts, running);
  } catch (err) {
    if (interrupted) return 130;
    code = 1;
    console.error(`\n[${elapsed()}] demo FAILED: ${(err as Error).message}`);
    if (!(err instanceof DemoError)) console.error((err as Error).stack);
    if (running.e)
      console.error(`\n---- diagnostics (the last lines of each log) ----\n${diagnosticsTail(running.e)}`);
  }
  say('cleaning up: operator, pods, control plane, Postgres, FAKE receivers');
  await cleanUp(running);
  say(code === 0 ? 'done' : 'cleaned up after the failure');
  return code;
}

// Exit explicitly: idle keep-alive sockets to the (stopped) pods must not hold the process.
process.exit(await main());
