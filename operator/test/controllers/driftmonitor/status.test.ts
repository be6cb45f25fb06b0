// nextStatus as a table: the stored status and one reconcile's observations in, the status to
// write out (fields, and each condition's status, reason and when it last changed).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriftMonitorStatus } from '../../../src/api/v1alpha1/driftmonitor.ts';
import type { Condition } from '../../../src/runtime/conditions.ts';
import { nextStatus, reportUrl, type Observations } from '../../../src/controllers/driftmonitor/status.ts';
import { driftNotice } from '../../../src/controllers/driftmonitor/report-status.ts';
import { sampleReport } from './sample.ts';

const earlier = new Date('2025-03-01T11:00:10Z');
const now = new Date('2025-03-01T12:00:10Z');
const slot = new Date('2025-03-01T12:00:00Z');
const next = new Date('2025-03-01T13:00:00Z');
const job = 'customers-march-drift-202503011200';
const url = 'http://op/reports/7';

function cond(type: string, status: Condition['status'], reason: string, generation = 1): Condition {
  return {
    type,
    status,
    reason,
    message: '',
    lastTransitionTime: earlier.toISOString(),
    observedGeneration: generation,
  };
}

/** Waiting for its next slot, no report yet. */
const waiting: DriftMonitorStatus = {
  observedGeneration: 1,
  nextRunTime: slot.toISOString(),
  conditions: [cond('Ready', 'True', 'Scheduled'), cond('DriftDetected', 'Unknown', 'NotChecked')],
};
/** A run of the 11:00 slot whose report found drift, and the run of 12:00 under way. */
const runningAfterDrift: DriftMonitorStatus = {
  observedGeneration: 1,
  lastRunTime: slot.toISOString(),
  lastJobName: job,
  lastRunResult: 'Running',
  nextRunTime: next.toISOString(),
  lastRetrainTriggered: earlier.toISOString(),
  notifications: [
    { kind: 'slack', target: 'slack', delivered: true, attempts: 1, time: earlier.toISOString() },
  ],
  conditions: [cond('Ready', 'True', 'Checked'), cond('DriftDetected', 'True', 'DriftDetected')],
};
/** The first run under way. */
const runningFirst: DriftMonitorStatus = {
  ...waiting,
  lastRunTime: slot.toISOString(),
  lastJobName: job,
  lastRunResult: 'Running',
};

const scheduled = { schedule: { nextRunTime: next } };
const succeeded = (drift: boolean) => ({ state: 'succeeded' as const, report: sampleReport(drift), url });
const failed = (reason: 'EmptyResult' | 'DriftCheckFailed' | 'RunLost', message: string) => ({
  state: 'failed' as const,
  failure: { reason, message },
});
const noRetrain = {
  retrain: false as const,
  reason: 'NoDrift' as const,
  message: 'no drift: nothing to retrain',
  reportId: 7,
};

interface Row {
  name: string;
  previous?: DriftMonitorStatus;
  observed: Observations;
  generation?: number;
  /** type -> [status, reason, when it last changed (default: now)] */
  conditions: Record<string, [Condition['status'], string, Date?]>;
  /** Fields the status must hold; undefined: must be absent. */
  fields?: Partial<DriftMonitorStatus>;
  /** A condition message that must match. */
  message?: [string, RegExp];
}

const rows: Row[] = [
  {
    name: 'a new monitor waits for its first slot; DriftDetected is listed as not checked',
    observed: scheduled,
    conditions: { Ready: ['True', 'Scheduled'], DriftDetected: ['Unknown', 'NotChecked'] },
    fields: { nextRunTime: next.toISOString(), lastRunResult: undefined, lastJobName: undefined },
    message: ['Ready', /^next run at 2025-03-01T13:00:00.000Z$/],
  },
  {
    name: 'no slot due: only the next run time moves, no condition changes',
    previous: waiting,
    observed: scheduled,
    conditions: { Ready: ['True', 'Scheduled', earlier], DriftDetected: ['Unknown', 'NotChecked', earlier] },
    fields: { nextRunTime: next.toISOString() },
  },
  {
    name: 'a due slot started its Job',
    previous: waiting,
    observed: { ...scheduled, started: { slot, jobName: job } },
    conditions: { Ready: ['True', 'Scheduled', earlier] },
    fields: {
      lastRunResult: 'Running',
      lastRunTime: slot.toISOString(),
      lastJobName: job,
      runNowToken: undefined,
    },
  },
  {
    name: 'a run-now request started a run; its token is remembered so it fires once',
    previous: waiting,
    observed: { ...scheduled, started: { slot: now, jobName: 'm-drift-now-1', runNowToken: 'a' } },
    conditions: { Ready: ['True', 'Scheduled', earlier] },
    fields: { lastRunResult: 'Running', lastRunTime: now.toISOString(), runNowToken: 'a' },
  },
  {
    name: 'the Job is still running: nothing but the next run time changes',
    previous: runningAfterDrift,
    observed: { run: { state: 'running' }, ...scheduled },
    conditions: { Ready: ['True', 'Checked', earlier], DriftDetected: ['True', 'DriftDetected', earlier] },
    fields: { lastRunResult: 'Running', lastJobName: job, notifications: runningAfterDrift.notifications },
  },
  {
    name: 'a run that found drift: its report in lastReport (an infinite statistic omitted)',
    previous: runningFirst,
    observed: { run: succeeded(true), notifications: [], retrain: noRetrain, ...scheduled },
    conditions: { Ready: ['True', 'Checked', earlier], DriftDetected: ['True', 'DriftDetected'] },
    fields: {
      lastRunResult: 'Succeeded',
      lastReport: {
        id: 7,
        version: 3,
        driftDetected: true,
        driftShare: 0.5,
        url,
        columns: [
          { name: 'age', test: 'wasserstein', statistic: 0.4, threshold: 0.1, drifted: true },
          { name: 'income', test: 'psi', threshold: 0.1, drifted: false },
        ],
      },
      notifications: undefined,
      lastRetrainTriggered: undefined,
    },
    message: ['DriftDetected', /^1 of 2 columns drifted \(share 0\.5, dataset drifts at 0\.5\): age$/],
  },
  {
    name: 'a run without drift after one with drift; no target wanted a notice, so none are listed',
    previous: runningAfterDrift,
    observed: { run: succeeded(false), notifications: [], retrain: noRetrain, ...scheduled },
    conditions: { Ready: ['True', 'Checked', earlier], DriftDetected: ['False', 'NoDrift'] },
    fields: { lastRunResult: 'Succeeded', notifications: undefined },
    message: ['Ready', /^report 7 on version 3: http:\/\/op\/reports\/7$/],
  },
  {
    name: 'notifications: one delivered, one failed (its error kept, never a secret)',
    previous: runningFirst,
    observed: {
      run: succeeded(true),
      notifications: [
        { kind: 'telegram', target: 'telegram chat 42', ok: true, attempts: 1 },
        {
          kind: 'webhook',
          target: 'webhook http://h/x',
          ok: false,
          attempts: 4,
          error: 'HTTP 503',
          status: 503,
        },
      ],
      retrain: noRetrain,
      ...scheduled,
    },
    conditions: { Ready: ['True', 'Checked', earlier] },
    fields: {
      notifications: [
        {
          kind: 'telegram',
          target: 'telegram chat 42',
          delivered: true,
          attempts: 1,
          time: now.toISOString(),
        },
        {
          kind: 'webhook',
          target: 'webhook http://h/x',
          delivered: false,
          attempts: 4,
          error: 'HTTP 503',
          time: now.toISOString(),
        },
      ],
    },
  },
  {
    name: 'a retrain asked for is remembered',
    previous: runningAfterDrift,
    observed: {
      run: succeeded(true),
      notifications: [],
      retrain: { retrain: true, token: 'drift-7', message: 'retraining', reportId: 7, data: 'Current' },
      ...scheduled,
    },
    conditions: { DriftDetected: ['True', 'DriftDetected', earlier] },
    fields: {
      lastRetrainTriggered: now.toISOString(),
      lastRetrain: {
        decision: 'Triggered',
        reason: 'Triggered',
        message: 'retraining',
        reportId: 7,
        data: 'Current',
        time: now.toISOString(),
      },
    },
  },
  {
    name: 'a retrain held back by the cooldown leaves the last one standing',
    previous: runningAfterDrift,
    observed: {
      run: succeeded(true),
      notifications: [],
      retrain: { retrain: false, reason: 'Cooldown', message: 'not retraining: cooldown', reportId: 7 },
      ...scheduled,
    },
    conditions: { DriftDetected: ['True', 'DriftDetected', earlier] },
    fields: {
      lastRetrainTriggered: earlier.toISOString(),
      lastRetrain: {
        decision: 'Skipped',
        reason: 'Cooldown',
        message: 'not retraining: cooldown',
        reportId: 7,
        time: now.toISOString(),
      },
    },
  },
  {
    name: "a run failed for bad input (the checker's reason); the last verdict stays",
    previous: runningAfterDrift,
    observed: { run: failed('EmptyResult', 'the query returned no rows'), ...scheduled },
    conditions: { Ready: ['False', 'EmptyResult'], DriftDetected: ['True', 'DriftDetected', earlier] },
    fields: { lastRunResult: 'Failed', notifications: runningAfterDrift.notifications },
    message: ['Ready', /^the query returned no rows$/],
  },
  {
    name: 'a run failed once its retries of a transient error ran out; nothing was ever checked',
    previous: runningFirst,
    observed: {
      run: failed('DriftCheckFailed', 'Job has reached the specified backoff limit'),
      ...scheduled,
    },
    conditions: { Ready: ['False', 'DriftCheckFailed'], DriftDetected: ['Unknown', 'NotChecked', earlier] },
    fields: { lastRunResult: 'Failed', lastReport: undefined },
  },
  {
    name: 'the Job of the run disappeared',
    previous: runningFirst,
    observed: { run: failed('RunLost', `Job ${job} disappeared before it finished`), ...scheduled },
    conditions: { Ready: ['False', 'RunLost'] },
    fields: { lastRunResult: 'Failed' },
  },
  {
    name: 'a run that could not start (no model): Failed, and Ready says why until the next run',
    previous: waiting,
    observed: {
      ...scheduled,
      started: {
        slot,
        jobName: job,
        failure: { reason: 'ModelNotFound', message: 'PersonaModel shop/x not found' },
      },
    },
    conditions: { Ready: ['False', 'ModelNotFound'], DriftDetected: ['Unknown', 'NotChecked', earlier] },
    fields: { lastRunResult: 'Failed', lastJobName: job, lastRunTime: slot.toISOString() },
  },
  {
    name: 'a run that could not start for its spec: Ready says InvalidSpec until the spec changes',
    previous: waiting,
    observed: {
      ...scheduled,
      started: { slot, jobName: job, failure: { reason: 'InvalidSpec', message: 'spec.current: bad' } },
    },
    conditions: { Ready: ['False', 'InvalidSpec'] },
    fields: { lastRunResult: 'Failed' },
    message: ['Ready', /^spec\.current: bad$/],
  },
  {
    name: 'between runs a spec problem of this generation stays',
    previous: { ...waiting, lastRunResult: 'Failed', conditions: [cond('Ready', 'False', 'InvalidSpec')] },
    observed: scheduled,
    conditions: { Ready: ['False', 'InvalidSpec', earlier] },
  },
  {
    name: 'a spec problem of an older generation clears: back to Scheduled',
    previous: { ...waiting, lastRunResult: 'Failed', conditions: [cond('Ready', 'False', 'InvalidSpec')] },
    generation: 2,
    observed: scheduled,
    conditions: { Ready: ['True', 'Scheduled'] },
  },
  {
    name: 'a run ended and the next slot started in the same reconcile',
    previous: runningFirst,
    observed: {
      run: succeeded(false),
      notifications: [],
      retrain: noRetrain,
      ...scheduled,
      started: { slot: next, jobName: 'customers-march-drift-202503011300' },
    },
    conditions: { Ready: ['True', 'Checked', earlier], DriftDetected: ['False', 'NoDrift'] },
    fields: {
      lastRunResult: 'Running',
      lastJobName: 'customers-march-drift-202503011300',
      lastRunTime: next.toISOString(),
    },
    message: ['Ready', /^report 7 on version 3/],
  },
  {
    name: 'an invalid schedule: Ready false with the problem, no next run time',
    previous: waiting,
    observed: { schedule: { problem: { reason: 'InvalidSchedule', message: 'spec.schedule: bad cron' } } },
    conditions: { Ready: ['False', 'InvalidSchedule'], DriftDetected: ['Unknown', 'NotChecked', earlier] },
    fields: { nextRunTime: undefined },
  },
  {
    name: 'the schedule fixed in a new generation: back to Scheduled',
    previous: { ...waiting, conditions: [cond('Ready', 'False', 'InvalidSchedule')] },
    generation: 2,
    observed: scheduled,
    conditions: { Ready: ['True', 'Scheduled'], DriftDetected: ['Unknown', 'NotChecked'] },
    fields: { observedGeneration: 2, nextRunTime: next.toISOString() },
  },
  {
    name: "between runs a failed run's reason stays",
    previous: { ...waiting, lastRunResult: 'Failed', conditions: [cond('Ready', 'False', 'BadValue')] },
    observed: scheduled,
    conditions: { Ready: ['False', 'BadValue', earlier] },
  },
];

describe('DriftMonitor nextStatus', () => {
  for (const row of rows) {
    test(row.name, () => {
      const generation = row.generation ?? 1;
      const before = structuredClone(row.previous);
      const s = nextStatus(row.previous, row.observed, generation, now);
      assert.deepEqual(row.previous, before, 'the stored status is not changed');
      assert.equal(s.observedGeneration, generation);
      for (const [type, [status, reason, since = now]] of Object.entries(row.conditions)) {
        const c = s.conditions?.find((x) => x.type === type);
        assert.deepEqual(
          [c?.status, c?.reason, c?.lastTransitionTime],
          [status, reason, since.toISOString()],
          `condition ${type}`,
        );
        if (since === now) assert.equal(c?.observedGeneration, generation, `${type} observedGeneration`);
      }
      for (const [field, value] of Object.entries(row.fields ?? {})) {
        assert.deepEqual(s[field as keyof DriftMonitorStatus], value, field);
        if (value === undefined) assert.ok(!(field in s), `${field} is absent`);
      }
      if (row.message) {
        const [type, pattern] = row.message;
        assert.match(s.conditions?.find((c) => c.type === type)?.message ?? '', pattern);
      }
    });
  }
});

describe('DriftMonitor report links and notices', () => {
  test('report URL from the base, with or without a trailing slash', () => {
    assert.equal(reportUrl('http://op:8081/', 7), 'http://op:8081/reports/7');
    assert.equal(reportUrl(undefined, 7), '/reports/7');
  });

  test('the notice names the drifted columns and the dataset threshold', () => {
    const n = driftNotice('shop/customers-march', sampleReport(true), url, now);
    assert.deepEqual(n.driftedColumns, ['age']);
    assert.equal(n.columnCount, 2);
    assert.equal(n.shareThreshold, 0.5);
    assert.equal(n.reportUrl, url);
  });
});
