// The whole loop on this machine, in readable steps: the local control plane with the
// operator, the seed scenario's PersonaModel trained and served, predictions, a DriftMonitor
// finding no drift in February and drift in March, the notifications, the retrain it
// triggers and version 2 being served. Started by scripts/demo.mjs (which does the set-up
// and the network namespace); everything it starts is stopped on exit, also on Ctrl-C.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from 'js-yaml';
import type { DriftMonitor } from '../operator/src/api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../operator/src/api/v1alpha1/personamodel.ts';
import { freePort } from '../test/cluster/ports.ts';
import { applyModel, getModel, startE2e, type E2e, type OperatorProcess } from '../test/e2e/support.ts';
import { startFakeTelegram, type FakeTelegram } from '../test/fakes/telegram.ts';
import { startFakeWebhook, type FakeWebhook } from '../test/fakes/webhook.ts';
import { waitForModelVersion } from './demo/follow.ts';
import { applyMonitor, patchMonitor, printNotifications, printReport, runNow } from './demo/monitor.ts';
import { DemoError, detail, elapsed, fixed, heading, say } from './demo/output.ts';
import { predict, printPredictions, sampleCustomers } from './demo/predictions.ts';
import { printRetrainedPersonas } from './demo/retrained.ts';

const repo = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));
const MODEL_FILE = 'examples/02-personamodel.yaml';
const MONITOR_FILE = 'examples/03-driftmonitor.yaml';
const HMAC_KEY = 'demo-webhook-signing-key';
/** Once a year: the demo's runs come from the run-now annotation, not from the clock. */
const RARELY = '0 0 1 1 *';

const usage = `usage: npm run demo [-- [--rows N] [--keep] [--timeout SECONDS]]

  --rows N           survey answers per month in the generated seed data (default 500)
  --keep             after the summary, keep everything running until Ctrl-C
  --timeout SECONDS  how long each wait may take before the demo gives up (default 240)`;

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
  await applyMonitor(e, monitor, opts.timeoutMs);
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
