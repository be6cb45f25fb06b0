// The seed scenario's second half end to end on the local control plane: a PersonaModel
// trained on January; a DriftMonitor over February finds no drift; pointed at March it finds
// drift (the persona mix too: Budget Brian's cluster grew), notifies the FAKE Telegram and webhook
// receivers (loopback servers speaking the real wire formats), asks for a retrain, and the new
// version is promoted and rolled out; the report page is served by the operator. Then each kind of bad input gives a clear condition
// and Event while the monitor keeps its schedule.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DriftMonitorSpec } from '../../operator/src/api/v1alpha1/driftmonitor.ts';
import type { WebhookBody } from '../../operator/src/notify/index.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { startFakeWebhook, type FakeWebhook } from '../fakes/webhook.ts';
import { freePort } from '../cluster/ports.ts';
import {
  MODEL,
  applyMonitor,
  cond,
  describeMonitor,
  getMonitor,
  monitor,
  monitorEvents,
  patchMonitor,
  runNow,
  waitForMonitor,
} from './monitors.ts';
import {
  SEED_COLUMNS,
  applyModel,
  eventsOf,
  getModel,
  hasReasons,
  isReadyOn,
  januaryQuery,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
  type EventSeen,
} from './support.ts';

const run = promisify(execFile);
const MONITOR = 'customers-drift';
const HMAC_KEY = 'e2e-webhook-signing-key';

describe('DriftMonitor on the local control plane (seed scenario)', () => {
  let e: E2e;
  let telegram: FakeTelegram;
  let webhook: FakeWebhook;
  let healthPort: number;
  let marchReportId = 0;

  before(async () => {
    [e, telegram, webhook, healthPort] = await Promise.all([
      startE2e(),
      startFakeTelegram(),
      startFakeWebhook({ secret: HMAC_KEY }),
      freePort(),
    ]);
    await e.core.createNamespacedSecret({
      namespace: e.namespace,
      body: { metadata: { name: 'telegram-bot' }, stringData: { token: telegram.token } },
    });
    await e.core.createNamespacedSecret({
      namespace: e.namespace,
      body: { metadata: { name: 'drift-webhook' }, stringData: { key: HMAC_KEY } },
    });
    e.startOperator({
      args: ['--health-port', String(healthPort)],
      env: {
        PERSONA_REPORT_BASE_URL: `http://127.0.0.1:${healthPort}`,
        PERSONA_TELEGRAM_API_BASE: telegram.apiBase,
      },
    });
    // A progress deadline with room for a pod start on a loaded two-core machine.
    await applyModel(
      e,
      seedModel(MODEL, e.namespace, { serving: { replicas: 1, progressDeadlineSeconds: 90 } }),
    );
    await waitForModel(e, MODEL, 'Ready on version 1', isReadyOn(1), 180_000);
  });
  after(async () => {
    await Promise.all([e?.stop(), telegram?.stop(), webhook?.stop()]);
  });

  test('February: no drift, reported to Telegram (onNoDrift), not to the webhook; report page served', async () => {
    await applyMonitor(
      e,
      monitor(MONITOR, {
        action: { retrain: { data: 'Current' }, cooldown: '1h' },
        notify: [
          {
            telegram: { botTokenSecretRef: { name: 'telegram-bot', key: 'token' }, chatId: '4242' },
            onNoDrift: true,
          },
          { webhook: { url: `${webhook.url}`, hmacSecretRef: { name: 'drift-webhook', key: 'key' } } },
        ],
      }),
    );
    const created = await waitForMonitor(e, MONITOR, 'scheduled', (m) => m.status?.nextRunTime !== undefined);
    assert.equal(cond(created, 'Ready')?.reason, 'Scheduled');
    assert.equal(cond(created, 'DriftDetected')?.status, 'Unknown');

    const m = await runNow(e, MONITOR, 'february');
    const s = m.status!;
    assert.equal(s.lastRunResult, 'Succeeded', describeMonitor(m));
    assert.equal(s.lastReport?.driftDetected, false);
    assert.equal(s.lastReport?.version, 1);
    assert.ok(s.lastReport!.driftShare < 0.5);
    assert.deepEqual(
      s.lastReport?.columns?.map((c) => c.name).sort(),
      [...SEED_COLUMNS].sort(),
      'one result per feature',
    );
    assert.match(s.lastJobName ?? '', new RegExp(`^${MONITOR}-drift-now-[0-9a-f]{10}$`));
    assert.equal(cond(m, 'Ready')?.status, 'True');
    assert.equal(cond(m, 'DriftDetected')?.status, 'False');
    assert.equal(cond(m, 'DriftDetected')?.reason, 'NoDrift');
    assert.ok(s.nextRunTime && new Date(s.nextRunTime) > new Date(), 'the schedule goes on');
    assert.equal(s.lastRetrainTriggered, undefined);
    // No persona test fires either; the version stored its reference statistics when trained.
    assert.deepEqual(s.lastReport?.fired, []);
    assert.equal(s.lastReport?.personaMix?.result, 'Stable');
    assert.deepEqual(s.lastReport?.personaMix?.grew, []);
    assert.equal(s.lastReport?.novelty?.drifted, false);
    assert.deepEqual(s.lastReport?.perPersona?.moved, []);
    assert.equal(s.lastReport?.personaReference, 'stored');

    // Telegram got the no-drift message; the webhook (no onNoDrift) got nothing.
    assert.equal(telegram.messages.length, 1);
    assert.equal(telegram.messages[0].chatId, '4242');
    assert.match(telegram.messages[0].text, /No drift/);
    assert.equal(webhook.deliveries.length, 0);
    assert.deepEqual(
      s.notifications?.map((n) => [n.kind, n.delivered]),
      [['telegram', true]],
    );
    assert.ok(!JSON.stringify(s).includes(telegram.token), 'no secret in status');

    const events = await monitorEvents(e, MONITOR, hasReasons('DriftRunStarted', 'NoDrift'));
    assert.ok(events.some((ev) => ev.reason === 'DriftRunStarted'));
    assert.ok(events.some((ev) => ev.reason === 'NoDrift' && ev.type === 'Normal'));

    // The page the status links to, served by the operator.
    assert.equal(s.lastReport?.url, `http://127.0.0.1:${healthPort}/reports/${s.lastReport?.id}`);
    const page = await fetch(s.lastReport!.url!);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /No drift/);
    assert.match(html, /<svg/);

    const model = await getModel(e, MODEL);
    assert.equal(
      model.metadata.annotations?.['personas.dtc.dev/retrain'],
      undefined,
      'no retrain without drift',
    );
  });

  test('March: drift, notifications to Telegram and the signed webhook, retrain, new version rolled out', async () => {
    await patchMonitor(e, MONITOR, {
      spec: { current: { postgres: { query: januaryQuery('2025-03') } } },
    });
    const m = await runNow(e, MONITOR, 'march');
    const s = m.status!;
    assert.equal(s.lastRunResult, 'Succeeded', describeMonitor(m));
    assert.equal(s.lastReport?.driftDetected, true);
    assert.ok(s.lastReport!.driftShare >= 0.5);
    assert.equal(cond(m, 'DriftDetected')?.status, 'True');
    assert.equal(cond(m, 'DriftDetected')?.reason, 'DriftDetected');
    const reportId = s.lastReport!.id;
    marchReportId = reportId;

    // The persona mix drifted too: one persona (Budget Brian's cluster; this model names its
    // clusters itself) grew, and kubectl, the condition and every notification say so.
    assert.ok(s.lastReport?.fired?.includes('features') && s.lastReport.fired.includes('personaMix'));
    assert.equal(s.lastReport?.personaMix?.result, 'Drifted');
    const grew = s.lastReport?.personaMix?.grew ?? [];
    assert.equal(grew.length, 1, `grew: ${grew.join(', ')}`);
    assert.ok(s.lastReport?.personaMix?.moved?.startsWith(`${grew[0]} `));
    assert.ok(cond(m, 'DriftDetected')?.message.startsWith(`persona mix drifted: ${grew[0]} `));
    const { stdout } = await run('kubectl', [
      '--kubeconfig',
      e.cluster.kubeconfigPath,
      'get',
      'dm',
      MONITOR,
      '-n',
      e.namespace,
    ]);
    assert.match(stdout.split('\n')[1], /\sDrifted\s/, stdout);

    // Both receivers got it; the fake webhook verified the HMAC signature itself.
    assert.equal(telegram.messages.length, 2);
    assert.match(telegram.messages[1].text, /Drift detected/);
    assert.ok(telegram.messages[1].text.includes(`Persona mix drifted; grew: ${grew[0]} `));
    assert.equal(webhook.deliveries.length, 1);
    assert.deepEqual(webhook.rejected, []);
    assert.ok(webhook.deliveries[0].headers['x-persona-signature']?.startsWith('sha256='));
    assert.match(webhook.deliveries[0].raw, new RegExp(`/reports/${reportId}`));
    const body = webhook.deliveries[0].body as unknown as WebhookBody;
    assert.deepEqual(
      body.personaMix?.moves.filter((p) => p.change === 'grew').map((p) => p.name),
      grew,
    );
    assert.deepEqual(
      s.notifications?.map((n) => [n.kind, n.delivered]),
      [
        ['telegram', true],
        ['webhook', true],
      ],
    );

    // The retrain request: the model's annotation names the report; the monitor records when.
    assert.ok(s.lastRetrainTriggered, 'lastRetrainTriggered set');
    const events = await monitorEvents(e, MONITOR, hasReasons('DriftDetected', 'RetrainTriggered'));
    assert.ok(events.some((ev) => ev.reason === 'DriftDetected' && ev.type === 'Warning'));
    assert.ok(events.some((ev) => ev.reason === 'RetrainTriggered'));
    const model = await getModel(e, MODEL);
    assert.equal(model.metadata.annotations?.['personas.dtc.dev/retrain'], `drift-${reportId}`);

    const retrained = await waitForModel(e, MODEL, 'Ready on version 2', isReadyOn(2), 240_000);
    assert.equal(retrained.status?.lastTraining?.trigger, 'RetrainRequested');
    assert.equal(retrained.status?.productionVersion, 2);

    // Version 2 learned March (the monitor's query, its default Current data), and says so.
    const ref = { namespace: e.namespace, name: MODEL };
    const [v1, v2] = await Promise.all([1, 2].map((version) => e.registry.getVersion({ ...ref, version })));
    assert.deepEqual(v1.lineage?.trigger, { kind: 'spec', detail: 'NoVersion' });
    assert.deepEqual(v1.lineage?.data.parts[0].origin, {
      postgres: { query: januaryQuery(), secretRef: { name: 'customer-db', key: 'url' } },
    });
    assert.deepEqual(v2.lineage?.trigger, {
      kind: 'drift',
      driftReportId: reportId,
      monitor: `${e.namespace}/${MONITOR}`,
    });
    assert.equal(v2.lineage?.data.choice, 'Current');
    assert.deepEqual(
      v2.lineage?.data.parts.map((p) => [
        p.role,
        p.rows,
        'postgres' in p.origin ? p.origin.postgres.query : '',
      ]),
      [['current', 500, januaryQuery('2025-03')]],
    );
    assert.notEqual(v2.lineage?.data.parts[0].dataHash, v1.lineage?.data.parts[0].dataHash);
    // Its centroids moved toward March (income x0.8, price sensitivity +1.8 for everyone),
    // under the names version 1 gave them.
    const [a1, a2] = await Promise.all([v1, v2].map((v) => e.registry.loadArtifact(v)));
    const before = new Map(a1.personas.map((p) => [p.name, p.centroid]));
    const kept = a2.personas.filter((p) => before.has(p.name));
    assert.ok(kept.length >= a2.personas.length - 1, `names kept: ${kept.map((p) => p.name).join(', ')}`);
    const meanChange = (feature: string) =>
      kept.reduce((sum, p) => sum + Number(p.centroid[feature]) - Number(before.get(p.name)![feature]), 0) /
      kept.length;
    assert.ok(meanChange('income') < 0, `income moved ${meanChange('income')}`);
    assert.ok(
      meanChange('price_sensitivity') > 0,
      `price sensitivity moved ${meanChange('price_sensitivity')}`,
    );
    // The status and kubectl say what triggered it and what it learned, the silhouette to 3 places.
    const last = retrained.status!.lastTraining!;
    assert.equal(last.triggeredBy, `drift report ${reportId} (${e.namespace}/${MONITOR})`);
    assert.equal(last.data, 'Current: 500 rows');
    assert.match(last.dataParts?.[0] ?? '', /^current: query ".*2025-03.*", 500 rows, sha256 [0-9a-f]{12}$/);
    assert.equal(last.metrics?.silhouetteRounded, Math.round(v2.metrics.silhouette! * 1000) / 1000);
    const wide = await run('kubectl', [
      '--kubeconfig',
      e.cluster.kubeconfigPath,
      'get',
      'pm',
      MODEL,
      '-n',
      e.namespace,
      '-o',
      'wide',
    ]);
    assert.ok(
      wide.stdout.includes(` ${Math.round(v2.metrics.silhouette! * 1000) / 1000} `),
      `silhouette to 3 decimals: ${wide.stdout}`,
    );
    assert.match(wide.stdout, new RegExp(`drift report ${reportId} .*Current: 500 rows`), wide.stdout);
    // The training Job judged version 2 against version 1: the persona diff is stored, says
    // customers changed persona and centroids moved, and the status and an Event summarise it.
    const stored = await e.registry.getVersionDiff(ref, 1, 2);
    assert.ok(stored, 'a persona diff from version 1 to 2 is stored');
    assert.ok((stored.diff.churn ?? 0) > 0, `churn ${stored.diff.churn}`);
    assert.ok((stored.diff.adjustedRandIndex ?? 1) < 1, `ARI ${stored.diff.adjustedRandIndex}`);
    assert.ok(
      stored.diff.matched.some((m) => Object.values(m.shift).some((x) => Math.abs(x) > 0.1)),
      `centroid shifts: ${JSON.stringify(stored.diff.matched.map((m) => m.shift))}`,
    );
    const promotion = retrained.status?.lastPromotion;
    assert.equal(promotion?.version, 2);
    assert.equal(promotion?.decision, 'Promoted');
    assert.equal(promotion?.personaDiff?.fromVersion, 1);
    assert.match(promotion?.personaDiff?.churn ?? '', /^\d+(\.\d+)?%$/);
    assert.ok(
      (await eventsOf(e, MODEL, 'PersonaModel', hasReasons('PersonaDiff'))).some(
        (ev) => ev.reason === 'PersonaDiff',
      ),
      'a PersonaDiff Event',
    );

    const monitorNow = await getMonitor(e, MONITOR);
    assert.equal(monitorNow.status?.lastRetrain?.decision, 'Triggered');
    assert.equal(monitorNow.status?.lastRetrain?.data, 'Current');

    const page = await fetch(`http://127.0.0.1:${healthPort}/reports/${reportId}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Drift detected/);
  });

  test('a second drift within the cooldown does not retrain again', async () => {
    const before = (await getMonitor(e, MONITOR)).status!.lastRetrainTriggered;
    // Version 2 learned March, so March no longer drifts; January, the old customers, does.
    await patchMonitor(e, MONITOR, { spec: { current: { postgres: { query: januaryQuery('2025-01') } } } });
    const m = await runNow(e, MONITOR, 'january-again');
    assert.equal(m.status?.lastReport?.driftDetected, true, describeMonitor(m));
    assert.equal(m.status?.lastRetrainTriggered, before);
    assert.equal(m.status?.lastRetrain?.decision, 'Skipped');
    assert.equal(m.status?.lastRetrain?.reason, 'Cooldown');
    const cooldown = (ev: EventSeen) => ev.reason === 'RetrainSkipped' && /cooldown until/.test(ev.message);
    const events = await monitorEvents(e, MONITOR, (evs) => evs.some(cooldown));
    assert.ok(events.some(cooldown));
    const model = await getModel(e, MODEL);
    assert.notEqual(m.status?.lastReport?.id, marchReportId);
    assert.equal(model.metadata.annotations?.['personas.dtc.dev/retrain'], `drift-${marchReportId}`);
  });

  test('bad input: each gives a clear condition and Event, and the monitor keeps its schedule; unusable cells only warn', async () => {
    const cols = SEED_COLUMNS;
    const feb = "FROM survey WHERE month = '2025-02'";
    const cases: {
      name: string;
      reason: string;
      message: RegExp;
      spec: Partial<DriftMonitorSpec> & { query?: string };
    }[] = [
      {
        name: 'bad-missing-model',
        reason: 'ModelNotFound',
        message: /PersonaModel .*no-such-model.* not found/,
        // Every minute: this one also shows the schedule going on after a failure.
        spec: { modelRef: { name: 'no-such-model' }, schedule: '* * * * *' },
      },
      {
        name: 'bad-no-rows',
        reason: 'EmptyResult',
        message: /returned no rows/,
        spec: { query: januaryQuery('1999-01') },
      },
      {
        name: 'bad-missing-columns',
        reason: 'MissingColumns',
        message: /column "income" is not in the query result/,
        spec: { query: `SELECT ${cols.filter((c) => c !== 'income').join(', ')} ${feb}` },
      },
      {
        name: 'bad-value',
        reason: 'BadValue',
        message: /column "income" has no values in the current data/,
        spec: {
          query: `SELECT ${cols.map((c) => (c === 'income' ? `'n/a' AS income` : c)).join(', ')} ${feb}`,
        },
      },
    ];
    for (const c of cases) await applyMonitor(e, monitor(c.name, c.spec));
    const results = await Promise.all(cases.map((c) => runNow(e, c.name, 'check')));
    for (const [i, c] of cases.entries()) {
      const m = results[i];
      const ready = cond(m, 'Ready');
      assert.equal(m.status?.lastRunResult, 'Failed', `${c.name}: ${describeMonitor(m)}`);
      assert.equal(ready?.status, 'False', c.name);
      assert.equal(ready?.reason, c.reason, `${c.name}: ${ready?.message}`);
      assert.match(ready?.message ?? '', c.message, c.name);
      assert.ok(m.status?.nextRunTime, `${c.name}: next run scheduled`);
      const failed = (ev: EventSeen) =>
        ev.reason === 'DriftCheckFailed' && ev.type === 'Warning' && ev.message.startsWith(c.reason);
      const events = await monitorEvents(e, c.name, (evs) => evs.some(failed));
      assert.ok(events.some(failed), `${c.name}: ${JSON.stringify(events)}`);
    }
    // Some unusable cells do not stop a run: they are counted, named in a Warning and the report.
    const incomplete = 'incomplete-value';
    await applyMonitor(
      e,
      monitor(incomplete, {
        query: `SELECT ${cols.map((c) => (c === 'income' ? `CASE WHEN age > 60 THEN 'n/a' ELSE income::text END AS income` : c)).join(', ')} ${feb}`,
      }),
    );
    const partial = await runNow(e, incomplete, 'check');
    assert.equal(partial.status?.lastRunResult, 'Succeeded', describeMonitor(partial));
    const stored = await e.registry.getDriftReport(partial.status!.lastReport!.id);
    assert.equal(stored?.details?.badCells?.[0].column, 'income');
    assert.match(stored?.html ?? '', /cells? of the current data could not be used/);
    const incompleteIncome = (ev: EventSeen) =>
      ev.reason === 'IncompleteData' &&
      ev.type === 'Warning' &&
      /income: \d+ \(row \d+: "n\/a" is not a finite number/.test(ev.message);
    const warned = await monitorEvents(e, incomplete, (evs) => evs.some(incompleteIncome));
    assert.ok(warned.some(incompleteIncome), JSON.stringify(warned));

    // The every-minute monitor runs again at its next slot although its last run failed.
    const first = results[0].status!;
    const again = await waitForMonitor(
      e,
      'bad-missing-model',
      'a scheduled run after the failure',
      (m) => m.status?.lastJobName !== first.lastJobName && m.status?.lastRunResult === 'Failed',
      90_000,
    );
    assert.match(again.status!.lastJobName!, /^bad-missing-model-drift-\d{12}$/);
    assert.equal(new Date(again.status!.lastRunTime!).getUTCSeconds(), 0, 'a cron slot');
    assert.equal(cond(again, 'Ready')?.reason, 'ModelNotFound');
  });
});
