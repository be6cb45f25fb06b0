import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DriftMonitorStatus } from '../../../src/api/v1alpha1/driftmonitor.ts';
import { planRun } from '../../../src/controllers/driftmonitor/schedule.ts';

const at = (iso: string) => new Date(iso);
const created = at('2025-03-01T00:00:00Z');

function plan(now: string, status?: DriftMonitorStatus, runNowToken?: string, schedule = '0 * * * *') {
  return planRun({ now: at(now), schedule, createdAt: created, status, runNowToken });
}

test('a bad schedule throws rather than plan', () => {
  assert.throws(() => planRun({ now: created, schedule: 'nope', createdAt: created, status: undefined }));
});

describe('planRun', () => {
  test('nothing runs before the first slot after creation; the next run time is reported', () => {
    const p = plan('2025-03-01T00:30:00Z');
    assert.equal(p.decision.run, false);
    assert.equal(p.nextRunTime.toISOString(), '2025-03-01T01:00:00.000Z');
  });

  test('a due slot runs once', () => {
    const p = plan('2025-03-01T01:00:02Z');
    assert.ok(p.decision.run);
    assert.equal(p.decision.trigger, 'Schedule');
    assert.equal(p.decision.slot.toISOString(), '2025-03-01T01:00:00.000Z');
    const after = plan('2025-03-01T01:00:30Z', {
      lastRunTime: '2025-03-01T01:00:00Z',
      lastRunResult: 'Succeeded',
    });
    assert.equal(after.decision.run, false);
  });

  test('after downtime only the latest missed slot runs, not one run per missed slot', () => {
    const status: DriftMonitorStatus = { lastRunTime: '2025-03-01T01:00:00Z', lastRunResult: 'Succeeded' };
    const p = plan('2025-03-01T07:20:00Z', status);
    assert.ok(p.decision.run);
    assert.equal(p.decision.slot.toISOString(), '2025-03-01T07:00:00.000Z');
    // Once that catch-up run is recorded, nothing else is owed until 08:00.
    const next = plan('2025-03-01T07:21:00Z', {
      lastRunTime: '2025-03-01T07:00:00Z',
      lastRunResult: 'Succeeded',
    });
    assert.equal(next.decision.run, false);
    assert.equal(next.nextRunTime.toISOString(), '2025-03-01T08:00:00.000Z');
  });

  test('no overlapping runs: a slot falling due while a run is active waits for it', () => {
    const running: DriftMonitorStatus = {
      lastRunTime: '2025-03-01T01:00:00Z',
      lastRunResult: 'Running',
      lastJobName: 'customers-march-drift-202503010100',
    };
    const p = plan('2025-03-01T02:00:05Z', running, 'now-please');
    assert.equal(p.decision.run, false);
    assert.match(p.decision.message, /customers-march-drift-202503010100 is still in progress/);
    // When it has finished the slot that fell due meanwhile runs (once).
    const later = plan('2025-03-01T02:10:00Z', { ...running, lastRunResult: 'Failed' });
    assert.ok(later.decision.run);
    assert.equal(later.decision.slot.toISOString(), '2025-03-01T02:00:00.000Z');
  });

  test('run-now fires once per new token and counts as the latest run', () => {
    const p = plan('2025-03-01T00:10:00Z', undefined, 'a');
    assert.ok(p.decision.run);
    assert.equal(p.decision.trigger, 'RunNow');
    assert.equal(p.decision.runNowToken, 'a');
    assert.equal(p.decision.slot.toISOString(), '2025-03-01T00:10:00.000Z');
    const done: DriftMonitorStatus = {
      lastRunTime: '2025-03-01T00:10:00Z',
      lastRunResult: 'Succeeded',
      runNowToken: 'a',
    };
    assert.equal(plan('2025-03-01T00:11:00Z', done, 'a').decision.run, false);
    assert.ok(plan('2025-03-01T00:11:00Z', done, 'b').decision.run);
    // A run-now just after a slot stands in for it: the 01:00 slot is the next one due.
    const afterSlot: DriftMonitorStatus = { ...done, lastRunTime: '2025-03-01T01:00:10Z' };
    assert.equal(plan('2025-03-01T01:00:20Z', afterSlot, 'a').decision.run, false);
  });
});
