// The DriftMonitor reconcile on the local control plane: the Job it starts is run by the
// cluster's own Job controller (its pod's end written as a kubelet writes it), the report comes
// from a real registry and notifications reach a fake Telegram. The API calls a reconcile makes
// are counted by the operator's own request counter, so "a reconcile with nothing to do makes
// no call" is checked as production counts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import { Registry } from '@persona-operator/registry';
import { startControlPlane, waitFor, type ControlPlane } from '../../../../test/cluster/index.ts';
import { startFakeTelegram, type FakeTelegram } from '../../../../test/fakes/telegram.ts';
import { startPostgres, type TestPostgres } from '../../../../test/support/postgres.ts';
import { GROUP, RETRAIN_ANNOTATION, VERSION } from '../../../src/api/v1alpha1/common.ts';
import { DRIFT_MONITOR_PLURAL, type DriftMonitor } from '../../../src/api/v1alpha1/driftmonitor.ts';
import { PERSONA_MODEL_PLURAL, type PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import type { DriftMonitorContext } from '../../../src/controllers/driftmonitor/context.ts';
import { driftMonitorKind } from '../../../src/controllers/driftmonitor/factory.ts';
import { slotStamp } from '../../../src/controllers/driftmonitor/naming.ts';
import { reconcileDriftMonitor } from '../../../src/controllers/driftmonitor/reconcile.ts';
import { observeJobDurations } from '../../../src/controllers/shared/job-durations.ts';
import { MANAGED_SELECTOR } from '../../../src/controllers/shared/labels.ts';
import { indexByModel } from '../../../src/controllers/shared/model-index.ts';
import { readRetrainRequest } from '../../../src/controllers/shared/retrain-request.ts';
import { makeClients, type KubeClients } from '../../../src/kube/clients.ts';
import { InformerFactory, jobKind, personaModelKind } from '../../../src/kube/informers.ts';
import { notifyAll } from '../../../src/notify/index.ts';
import { ManualClock } from '../../../src/runtime/clock.ts';
import type { ReconcileResult } from '../../../src/runtime/controller.ts';
import { KubeEventRecorder } from '../../../src/runtime/events.ts';
import { silentLogger } from '../../../src/runtime/logger.ts';
import { createMetrics } from '../../../src/runtime/metrics.ts';
import { installCrds } from '../../support/crds.ts';
import { sampleModel } from '../personamodel/sample.ts';
import { sampleMonitor, sampleReport } from './sample.ts';

const HOUR = 3_600_000;
const MONITOR = 'customers-march';
const MODEL = 'customers';
/** How far into its slot each test's clock stands. */
const INTO_SLOT_MS = 20_000;

let cp: ControlPlane;
let pg: TestPostgres;
let registry: Registry;
let telegram: FakeTelegram;
/** Uncounted clients for the test's own reads and writes. */
let admin: KubeClients;
let informers: InformerFactory;
let stores: Pick<DriftMonitorContext, 'monitors' | 'models' | 'jobs'>;

before(async () => {
  [cp, pg, telegram] = await Promise.all([startControlPlane(), startPostgres(), startFakeTelegram()]);
  await installCrds(cp);
  registry = await Registry.connect(pg.url);
  await registry.migrate();
  admin = makeClients(cp.kubeConfig);
  // The stores the manager gives the controller (factory.ts), across all namespaces.
  informers = new InformerFactory({ clients: admin, logger: silentLogger });
  stores = {
    monitors: informers.store(driftMonitorKind),
    models: informers.store(personaModelKind),
    jobs: indexByModel(informers.store(jobKind, MANAGED_SELECTOR)),
  };
  await informers.start();
});

after(async () => {
  informers?.stop();
  await telegram?.stop();
  await registry?.close();
  await pg?.stop();
  await cp?.stop();
});

interface Harness {
  ctx: DriftMonitorContext;
  namespace: string;
  key: string;
  uid: string;
  /** The cron slot the clock stands in (INTO_SLOT_MS past it). */
  slot: Date;
  jobName: string;
  /** One reconcile, with the API calls it made as sorted "verb Resource" lines. */
  reconcile(): Promise<{ result: ReconcileResult; calls: string[] }>;
  monitor(): Promise<DriftMonitor>;
  /** The namespace's Events as "Kind Type Reason: message" lines. */
  events(): Promise<string>;
  /** The Job duration metric's series as "job result count" lines. */
  jobDurations(): Promise<string[]>;
  /** Ends the run's pod with this exit code (and termination message); resolves once the Job has finished. */
  endRun(exitCode: number, message?: string): Promise<V1Job>;
}

async function harness(
  namespace: string,
  opts: {
    spec?: Partial<DriftMonitor['spec']>;
    model?: boolean;
    secrets?: Record<string, Record<string, string>>;
  } = {},
): Promise<Harness> {
  const custom = (plural: string) => ({ group: GROUP, version: VERSION, namespace, plural });
  await cp.createNamespace(namespace);
  for (const [name, stringData] of Object.entries(opts.secrets ?? {})) {
    await admin.core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
  }
  if (opts.model) {
    const model = (await admin.custom.createNamespacedCustomObject({
      ...custom(PERSONA_MODEL_PLURAL),
      body: { ...sampleModel(), metadata: { name: MODEL, namespace } },
    })) as PersonaModel;
    await admin.custom.replaceNamespacedCustomObjectStatus({
      ...custom(PERSONA_MODEL_PLURAL),
      name: MODEL,
      body: { ...model, status: { phase: 'Serving' } },
    });
  }
  const monitor = (await admin.custom.createNamespacedCustomObject({
    ...custom(DRIFT_MONITOR_PLURAL),
    body: { ...sampleMonitor(opts.spec), metadata: { name: MONITOR, namespace } },
  })) as DriftMonitor;
  const key = `${namespace}/${MONITOR}`;
  await waitFor('the informers to hold the test objects', async () =>
    stores.monitors.get(key) &&
    (!opts.model || stores.models.get(`${namespace}/${MODEL}`)?.status?.phase === 'Serving')
      ? true
      : undefined,
  );

  // The first hourly slot after the monitor was created.
  const created = new Date(monitor.metadata.creationTimestamp!).getTime();
  const slot = new Date(Math.floor(created / HOUR) * HOUR + HOUR);
  const clock = new ManualClock(slot.getTime() + INTO_SLOT_MS);
  const metrics = createMetrics();
  const recorder = new KubeEventRecorder(admin.core, silentLogger, 'reconcile-test');
  const ctx: DriftMonitorContext = {
    clients: makeClients(cp.kubeConfig, metrics),
    ...stores,
    registry,
    events: recorder,
    config: DEFAULT_CONFIG,
    logger: silentLogger,
    clock,
    notify: (targets, notice) => notifyAll(targets, notice),
    jobFinished: observeJobDurations(metrics.jobDuration),
    reportBaseUrl: 'http://operator:8081',
    telegramApiBase: telegram.apiBase,
  };
  const jobName = `${MONITOR}-drift-${slotStamp(slot)}`;

  return {
    ctx,
    namespace,
    key,
    uid: monitor.metadata.uid!,
    slot,
    jobName,
    reconcile: async () => {
      metrics.apiRequests.reset();
      const result = await reconcileDriftMonitor(ctx, key);
      const { values } = await metrics.apiRequests.get();
      const calls = values.flatMap((v) =>
        Array.from({ length: v.value }, () => `${v.labels.verb} ${v.labels.resource}`),
      );
      return { result, calls: calls.sort() };
    },
    monitor: async () =>
      (await admin.custom.getNamespacedCustomObject({
        ...custom(DRIFT_MONITOR_PLURAL),
        name: MONITOR,
      })) as DriftMonitor,
    jobDurations: async () =>
      (await metrics.jobDuration.get()).values
        .filter((v) => v.metricName?.endsWith('_count'))
        .map((v) => `${v.labels.job} ${v.labels.result} ${v.value}`),
    events: async () => {
      // Recording only queues an Event: wait for the writes before reading them back.
      await recorder.flush();
      return (await admin.core.listNamespacedEvent({ namespace })).items
        .map((e) => `${e.involvedObject.kind} ${e.type} ${e.reason}: ${e.message}`)
        .join('\n');
    },
    endRun: async (exitCode, message) => {
      await waitFor(
        `the pod of Job ${jobName} to end`,
        async () => {
          const pods = await admin.core.listNamespacedPod({
            namespace,
            labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
          });
          const pod = pods.items[0];
          if (!pod) return undefined;
          const container = pod.spec!.containers[0];
          await admin.core.replaceNamespacedPodStatus({
            name: pod.metadata!.name!,
            namespace,
            body: {
              ...pod,
              status: {
                ...pod.status,
                phase: exitCode === 0 ? 'Succeeded' : 'Failed',
                containerStatuses: [
                  {
                    name: container.name,
                    image: container.image!,
                    imageID: '',
                    ready: false,
                    restartCount: 0,
                    state: { terminated: { exitCode, message, finishedAt: new Date() } },
                  },
                ],
              },
            },
          });
          return true;
        },
        { diagnostics: cp.logs },
      );
      const type = exitCode === 0 ? 'Complete' : 'Failed';
      return waitFor(
        `Job ${jobName} to be ${type}`,
        async () => {
          const job = stores.jobs.get(`${namespace}/${jobName}`);
          return job?.status?.conditions?.some((c) => c.type === type && c.status === 'True')
            ? job
            : undefined;
        },
        { diagnostics: cp.logs },
      );
    },
  };
}

const readyOf = (m: DriftMonitor) => m.status?.conditions?.find((c) => c.type === 'Ready');

describe('DriftMonitor reconcile', () => {
  test('a due slot creates the Job, records the run and requeues exactly at the next slot', async () => {
    const h = await harness('dm-due', { model: true });
    const { result, calls } = await h.reconcile();
    // The drift Job runs as the trainer's account, made when the namespace has none.
    assert.deepEqual(calls, [
      'create NamespacedJob',
      'create NamespacedServiceAccount',
      'replace NamespacedCustomObjectStatus',
    ]);
    const job = await admin.batch.readNamespacedJob({ name: h.jobName, namespace: h.namespace });
    assert.equal(job.metadata?.ownerReferences?.[0]?.uid, h.uid);
    const s = (await h.monitor()).status!;
    assert.equal(s.lastRunResult, 'Running');
    assert.equal(s.lastJobName, h.jobName);
    assert.equal(s.lastRunTime, h.slot.toISOString());
    assert.equal(s.nextRunTime, new Date(h.slot.getTime() + HOUR).toISOString());
    assert.equal(result.requeueAfterMs, HOUR - INTO_SLOT_MS);
    assert.match(await h.events(), /DriftRunStarted: schedule "0 \* \* \* \*" was due/);

    // Again while the Job runs: nothing to do, no API call at all.
    assert.deepEqual((await h.reconcile()).calls, []);
  });

  test('a completed run: report in status, Event, notifications (a missing Secret fails alone), retrain', async () => {
    const h = await harness('dm-done', {
      model: true,
      spec: {
        action: { retrain: { data: 'Current' }, cooldown: '24h' },
        notify: [
          { telegram: { botTokenSecretRef: { name: 'bot', key: 'token' }, chatId: '42' } },
          { slack: { webhookSecretRef: { name: 'missing', key: 'url' } } },
        ],
      },
      secrets: { bot: { token: telegram.token } },
    });
    await h.reconcile();
    const job = await admin.batch.readNamespacedJob({ name: h.jobName, namespace: h.namespace });
    // What the checker stores under (monitor, run id = the Job's UID) before it exits.
    const sample = sampleReport(true);
    await registry.ensureModel({ namespace: h.namespace, name: MODEL });
    const report = await registry.insertDriftReport({
      monitor: h.key,
      runId: job.metadata!.uid!,
      model: { namespace: h.namespace, name: MODEL, version: 3 },
      driftDetected: true,
      share: sample.share,
      columns: sample.columns,
      summary: { ...sample.summary, currentRows: 500 },
    });
    await h.endRun(0);
    await h.reconcile();
    assert.deepEqual(await h.jobDurations(), ['drift-check succeeded 1']);

    const s = (await h.monitor()).status!;
    assert.equal(s.lastRunResult, 'Succeeded');
    assert.equal(s.lastReport?.url, `http://operator:8081/reports/${report.id}`);
    assert.equal(s.conditions?.find((c) => c.type === 'DriftDetected')?.status, 'True');
    assert.deepEqual(
      s.notifications?.map((n) => [n.kind, n.delivered, n.error]),
      [
        ['telegram', true, undefined],
        ['slack', false, 'Secret missing not found'],
      ],
    );
    assert.deepEqual(
      telegram.messages.map((m) => m.chatId),
      ['42'],
    );
    assert.ok(!JSON.stringify(s).includes(telegram.token));
    assert.equal(s.lastRetrainTriggered, new Date(h.ctx.clock.now()).toISOString());
    const model = (await admin.custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: h.namespace,
      plural: PERSONA_MODEL_PLURAL,
      name: MODEL,
    })) as PersonaModel;
    assert.equal(model.metadata.annotations?.[RETRAIN_ANNOTATION], `drift-${report.id}`);
    // Beside the token, what the model's controller trains on: the monitor's query and Secret key.
    assert.deepEqual(readRetrainRequest(model.metadata.annotations, `drift-${report.id}`), {
      token: `drift-${report.id}`,
      monitor: MONITOR,
      reportId: report.id,
      data: 'Current',
      current: {
        postgres: {
          ...sampleMonitor().spec.current.postgres!,
          secretRef: { name: 'customer-db', key: 'url' },
        },
      },
      currentRows: 500,
    });
    assert.equal(s.lastRetrain?.decision, 'Triggered');
    assert.equal(s.lastRetrain?.reportId, report.id);
    const events = await h.events();
    assert.match(
      events,
      new RegExp(
        `DriftMonitor Warning DriftDetected: report ${report.id} on version 3: 1 of 2 columns drifted`,
      ),
    );
    assert.match(events, /NotificationFailed: slack webhook \(Secret missing\): Secret missing not found/);
    assert.match(events, /RetrainTriggered/);
    assert.match(events, /PersonaModel Normal RetrainRequested/);
  });

  test("a failed run reads the reason from the pod's termination message; the schedule goes on", async () => {
    const h = await harness('dm-failed', { model: true });
    await h.reconcile();
    await h.endRun(2, '{"error":"current.postgres.query: the query returned no rows","kind":"bad-input"}');
    const { result, calls } = await h.reconcile();
    assert.ok(calls.includes('list NamespacedPod'), calls.join('\n'));
    assert.deepEqual(await h.jobDurations(), ['drift-check failed 1']);
    const s = (await h.monitor()).status!;
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    assert.equal(s.lastRunResult, 'Failed');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'EmptyResult']);
    assert.match(
      await h.events(),
      /Warning DriftCheckFailed: EmptyResult: current.postgres.query: the query returned no rows/,
    );
    assert.equal(s.nextRunTime, new Date(h.slot.getTime() + HOUR).toISOString());
    assert.ok(result.requeueAfterMs! > 0);
  });

  test('a missing model fails the run without a Job and keeps the schedule', async () => {
    const h = await harness('dm-no-model');
    const { result, calls } = await h.reconcile();
    assert.deepEqual(calls, ['replace NamespacedCustomObjectStatus']);
    assert.deepEqual((await admin.batch.listNamespacedJob({ namespace: h.namespace })).items, []);
    const m = await h.monitor();
    assert.equal(m.status?.lastRunResult, 'Failed');
    assert.equal(readyOf(m)?.reason, 'ModelNotFound');
    assert.equal(m.status?.nextRunTime, new Date(h.slot.getTime() + HOUR).toISOString());
    assert.equal(result.requeueAfterMs, HOUR - INTO_SLOT_MS);
  });

  test('an invalid schedule is reported and not requeued; a yearly one requeues within the timer limit', async () => {
    const bad = await harness('dm-bad-schedule', { model: true, spec: { schedule: '61 * * * *' } });
    const r = await bad.reconcile();
    assert.equal(r.result.requeueAfterMs, undefined);
    assert.equal(readyOf(await bad.monitor())?.reason, 'InvalidSchedule');

    const yearly = await harness('dm-yearly', { model: true, spec: { schedule: '0 0 1 1 *' } });
    const y = await yearly.reconcile();
    assert.ok(y.result.requeueAfterMs! <= 2 ** 31 - 1);
    const nextYear = new Date(yearly.ctx.clock.now()).getUTCFullYear() + 1;
    assert.equal((await yearly.monitor()).status?.nextRunTime, `${nextYear}-01-01T00:00:00.000Z`);
  });
});
