// The reconcile over in-memory stores and recorded API calls: which calls a run makes, and that
// a reconcile with nothing to do makes none. (The real API server is in test/e2e/drift.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import type { DriftReport } from '@persona-operator/registry';
import type { NotificationResult, NotifyTarget } from '../../../src/notify/index.ts';
import type { DriftMonitor } from '../../../src/api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';
import type { KubeClients } from '../../../src/kube/clients.ts';
import { Store } from '../../../src/kube/informers.ts';
import { ManualClock } from '../../../src/runtime/clock.ts';
import type { ResilientInformer } from '../../../src/runtime/informer.ts';
import { silentLogger } from '../../../src/runtime/logger.ts';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import type { DriftMonitorContext } from '../../../src/controllers/driftmonitor/context.ts';
import { reconcileDriftMonitor } from '../../../src/controllers/driftmonitor/reconcile.ts';
import { sampleModel } from '../personamodel/sample.ts';
import { sampleMonitor, sampleReport } from './sample.ts';

function memoryStore<T extends KubernetesObject>(objects: T[]): Store<T> {
  const key = (o: T) => `${o.metadata!.namespace}/${o.metadata!.name}`;
  const informer = {
    get: (k: string) => objects.find((o) => key(o) === k),
    list: () => objects,
    on: () => undefined,
    hasSynced: () => true,
  };
  return new Store<T>([informer as unknown as ResilientInformer<T>]);
}

interface Harness {
  ctx: DriftMonitorContext;
  calls: string[];
  events: string[];
  sent: NotifyTarget[][];
  jobs: V1Job[];
  monitor(): DriftMonitor;
}

function harness(opts: {
  monitor: DriftMonitor;
  model?: PersonaModel;
  jobs?: V1Job[];
  pods?: V1Pod[];
  report?: DriftReport;
  secrets?: Record<string, Record<string, string>>;
  now: string;
}): Harness {
  const calls: string[] = [];
  const events: string[] = [];
  const sent: NotifyTarget[][] = [];
  const jobs = opts.jobs ?? [];
  // Numeric resourceVersions, as the API server's: the store prefers our newer writes.
  let current: DriftMonitor = {
    ...opts.monitor,
    metadata: { ...opts.monitor.metadata, resourceVersion: '1' },
  };
  const monitors = memoryStore([current]);
  const clients = {
    batch: {
      createNamespacedJob: async ({ body }: { body: V1Job }) => {
        calls.push(`create job ${body.metadata!.name}`);
        const made = { ...body, metadata: { ...body.metadata, uid: 'job-uid', resourceVersion: '5' } };
        jobs.push(made);
        return made;
      },
      readNamespacedJob: async ({ name }: { name: string }) => {
        calls.push(`read job ${name}`);
        throw Object.assign(new Error('not found'), { code: 404 });
      },
    },
    core: {
      // The trainer's account the drift Job runs as (made once per process when missing).
      createNamespacedServiceAccount: async ({ body }: { body: unknown }) => body,
      readNamespacedSecret: async ({ name }: { name: string }) => {
        calls.push(`get secret ${name}`);
        const data = opts.secrets?.[name];
        if (!data) throw Object.assign(new Error('not found'), { code: 404 });
        return {
          data: Object.fromEntries(
            Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
          ),
        };
      },
      listNamespacedPod: async ({ labelSelector }: { labelSelector: string }) => {
        calls.push(`list pods ${labelSelector}`);
        return { items: opts.pods ?? [] };
      },
    },
    custom: {
      replaceNamespacedCustomObjectStatus: async ({ body }: { body: DriftMonitor }) => {
        calls.push('update status');
        current = {
          ...body,
          metadata: {
            ...body.metadata,
            resourceVersion: String(Number(body.metadata.resourceVersion ?? 1) + 1),
          },
        };
        return current;
      },
      patchNamespacedCustomObject: async ({ name, body }: { name: string; body: unknown }) => {
        calls.push(`patch personamodel ${name} ${JSON.stringify(body)}`);
        return {};
      },
    },
  } as unknown as KubeClients;
  const ctx: DriftMonitorContext = {
    clients,
    monitors,
    models: memoryStore(opts.model ? [opts.model] : []),
    jobs: memoryStore(jobs),
    registry: {
      getDriftReportByRun: async (monitor: string, runId: string) =>
        opts.report && monitor === 'shop/customers-march' && runId === 'job-uid' ? opts.report : undefined,
    },
    events: {
      record: async (obj, type, reason, message) => {
        events.push(`${obj.kind} ${type} ${reason}: ${message}`);
      },
    },
    config: DEFAULT_CONFIG,
    logger: silentLogger,
    clock: new ManualClock(new Date(opts.now).getTime()),
    notify: async (targets) => {
      sent.push([...targets]);
      return targets.map((t): NotificationResult => ({
        kind: t.kind,
        target: `${t.kind} target`,
        ok: true,
        attempts: 1,
      }));
    },
    reportBaseUrl: 'http://operator:8081',
  };
  return { ctx, calls, events, sent, jobs, monitor: () => current };
}

const model = (): PersonaModel => ({ ...sampleModel(), status: { phase: 'Serving' } });
const finished = (job: V1Job, type: 'Complete' | 'Failed', message = ''): V1Job => ({
  ...job,
  status: {
    conditions: [
      { type, status: 'True', reason: type === 'Failed' ? 'PodFailurePolicy' : undefined, message },
    ],
  },
});

describe('DriftMonitor reconcile', () => {
  test('a due slot creates the Job, records the run and requeues exactly at the next slot', async () => {
    const h = harness({ monitor: sampleMonitor(), model: model(), now: '2025-03-01T12:00:20Z' });
    const result = await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    assert.deepEqual(h.calls, ['create job customers-march-drift-202503011200', 'update status']);
    const s = h.monitor().status!;
    assert.equal(s.lastRunResult, 'Running');
    assert.equal(s.lastRunTime, '2025-03-01T12:00:00.000Z');
    assert.equal(s.nextRunTime, '2025-03-01T13:00:00.000Z');
    assert.equal(result.requeueAfterMs, 60 * 60_000 - 20_000);
    assert.match(h.events.join('\n'), /DriftRunStarted: schedule "0 \* \* \* \*" was due/);

    // Again while the Job runs: nothing to do, no API call at all.
    h.calls.length = 0;
    await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    assert.deepEqual(h.calls, []);
  });

  test('a completed run: report in status, Event, notifications (a missing Secret fails alone), retrain', async () => {
    const monitor = sampleMonitor({
      action: { retrain: true, cooldown: '24h' },
      notify: [
        { telegram: { botTokenSecretRef: { name: 'bot', key: 'token' }, chatId: '42' } },
        { slack: { webhookSecretRef: { name: 'missing', key: 'url' } } },
      ],
    });
    const h = harness({
      monitor,
      model: model(),
      now: '2025-03-01T12:00:20Z',
      report: sampleReport(true),
      secrets: { bot: { token: 'SECRET-TOKEN' } },
    });
    await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    h.jobs[0] = finished(h.jobs[0], 'Complete');
    h.calls.length = 0;
    await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    const s = h.monitor().status!;
    assert.equal(s.lastRunResult, 'Succeeded');
    assert.equal(s.lastReport?.url, 'http://operator:8081/reports/7');
    assert.equal(s.conditions?.find((c) => c.type === 'DriftDetected')?.status, 'True');
    assert.deepEqual(
      s.notifications?.map((n) => [n.kind, n.delivered, n.error]),
      [
        ['telegram', true, undefined],
        ['slack', false, 'Secret missing not found'],
      ],
    );
    assert.equal(h.sent.length, 1);
    assert.deepEqual(h.sent[0], [{ kind: 'telegram', botToken: 'SECRET-TOKEN', chatId: '42' }]);
    assert.ok(!JSON.stringify(s).includes('SECRET-TOKEN'));
    assert.equal(s.lastRetrainTriggered, '2025-03-01T12:00:20.000Z');
    assert.ok(
      h.calls.includes(
        'patch personamodel customers {"metadata":{"annotations":{"personas.dtc.dev/retrain":"drift-7"}}}',
      ),
      h.calls.join('\n'),
    );
    const events = h.events.join('\n');
    assert.match(events, /DriftMonitor Warning DriftDetected: report 7 on version 3: 1 of 2 columns drifted/);
    assert.match(events, /NotificationFailed: slack webhook \(Secret missing\): Secret missing not found/);
    assert.match(events, /RetrainTriggered/);
    assert.match(events, /PersonaModel Normal RetrainRequested/);
  });

  test("a failed run reads the reason from the pod's termination message; the schedule goes on", async () => {
    const pod: V1Pod = {
      status: {
        containerStatuses: [
          {
            name: 'drift',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode: 2,
                message: '{"error":"current.postgres.query: the query returned no rows","kind":"bad-input"}',
              },
            },
          },
        ],
      },
    };
    const h = harness({ monitor: sampleMonitor(), model: model(), pods: [pod], now: '2025-03-01T12:00:20Z' });
    await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    h.jobs[0] = finished(h.jobs[0], 'Failed', 'Container drift failed with exit code 2');
    const result = await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    const s = h.monitor().status!;
    const ready = s.conditions?.find((c) => c.type === 'Ready');
    assert.equal(s.lastRunResult, 'Failed');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'EmptyResult']);
    assert.match(
      h.events.join('\n'),
      /Warning DriftCheckFailed: EmptyResult: current.postgres.query: the query returned no rows/,
    );
    assert.ok(h.calls.includes('list pods batch.kubernetes.io/job-name=customers-march-drift-202503011200'));
    assert.equal(s.nextRunTime, '2025-03-01T13:00:00.000Z');
    assert.ok(result.requeueAfterMs! > 0);
  });

  test('a missing model fails the run without a Job and keeps the schedule', async () => {
    const h = harness({ monitor: sampleMonitor(), now: '2025-03-01T12:00:20Z' });
    const result = await reconcileDriftMonitor(h.ctx, 'shop/customers-march');
    assert.deepEqual(h.calls, ['update status']);
    const s = h.monitor().status!;
    assert.equal(s.lastRunResult, 'Failed');
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.reason, 'ModelNotFound');
    assert.equal(s.nextRunTime, '2025-03-01T13:00:00.000Z');
    assert.equal(result.requeueAfterMs, 60 * 60_000 - 20_000);
  });

  test('an invalid schedule is reported and not requeued; a yearly one requeues within the timer limit', async () => {
    const bad = harness({
      monitor: sampleMonitor({ schedule: '61 * * * *' }),
      model: model(),
      now: '2025-03-01T12:00:20Z',
    });
    const r = await reconcileDriftMonitor(bad.ctx, 'shop/customers-march');
    assert.equal(r.requeueAfterMs, undefined);
    assert.equal(
      bad.monitor().status?.conditions?.find((c) => c.type === 'Ready')?.reason,
      'InvalidSchedule',
    );
    const yearly = harness({
      monitor: sampleMonitor({ schedule: '0 0 1 1 *' }),
      model: model(),
      now: '2025-03-01T12:00:20Z',
    });
    const y = await reconcileDriftMonitor(yearly.ctx, 'shop/customers-march');
    assert.ok(y.requeueAfterMs! <= 2 ** 31 - 1);
    assert.equal(yearly.monitor().status?.nextRunTime, '2026-01-01T00:00:00.000Z');
  });
});
