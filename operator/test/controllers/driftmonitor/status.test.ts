import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../../src/api/v1alpha1/common.ts';
import {
  conditionsAfterFailure,
  conditionsAfterReport,
  conditionsBetweenRuns,
  driftNotice,
  notificationStatus,
  reportStatus,
  reportUrl,
} from '../../../src/controllers/driftmonitor/status.ts';
import { sampleReport } from './sample.ts';

const now = new Date('2025-03-01T12:00:10Z');
const later = new Date('2025-03-01T13:00:10Z');
const get = (list: Condition[], type: string) => list.find((c) => c.type === type);

describe('DriftMonitor status', () => {
  test('report URL from the base, with or without a trailing slash', () => {
    assert.equal(reportUrl('http://op:8081/', 7), 'http://op:8081/reports/7');
    assert.equal(reportUrl(undefined, 7), '/reports/7');
  });

  test('lastReport carries per-column results; an infinite statistic is omitted, not null', () => {
    const s = reportStatus(sampleReport(true), 'http://op/reports/7');
    assert.equal(s.id, 7);
    assert.equal(s.version, 3);
    assert.equal(s.driftDetected, true);
    assert.equal(s.url, 'http://op/reports/7');
    assert.deepEqual(s.columns, [
      { name: 'age', test: 'wasserstein', statistic: 0.4, threshold: 0.1, drifted: true },
      { name: 'income', test: 'psi', threshold: 0.1, drifted: false },
    ]);
  });

  test('conditions after a report: Ready=Checked, DriftDetected with the drifted columns', () => {
    const drift = conditionsAfterReport(undefined, sampleReport(true), '/reports/7', 2, now);
    assert.equal(get(drift, 'Ready')?.status, 'True');
    const d = drift.find((c) => c.type === 'DriftDetected')!;
    assert.equal(d.status, 'True');
    assert.equal(d.reason, 'DriftDetected');
    assert.match(d.message, /1 of 2 columns drifted \(share 0\.5, dataset drifts at 0\.5\): age/);
    assert.equal(d.observedGeneration, 2);
    const none = conditionsAfterReport(drift, sampleReport(false), '/reports/8', 2, later);
    const n = none.find((c) => c.type === 'DriftDetected')!;
    assert.equal(n.status, 'False');
    assert.equal(n.reason, 'NoDrift');
    assert.equal(n.lastTransitionTime, later.toISOString());
  });

  test('a failed run makes Ready false with its reason and keeps the last verdict', () => {
    const drift = conditionsAfterReport(undefined, sampleReport(true), '/reports/7', 1, now);
    const failed = conditionsAfterFailure(
      drift,
      { reason: 'EmptyResult', message: 'the query returned no rows' },
      1,
      later,
    );
    const r = failed.find((c) => c.type === 'Ready')!;
    assert.deepEqual([r.status, r.reason, r.message], ['False', 'EmptyResult', 'the query returned no rows']);
    assert.equal(failed.find((c) => c.type === 'DriftDetected')!.status, 'True');
    const first = conditionsAfterFailure(undefined, { reason: 'ModelNotFound', message: 'x' }, 1, now);
    assert.equal(first.find((c) => c.type === 'DriftDetected')!.status, 'Unknown');
  });

  test('between runs: a spec problem shows, and fixing it returns to Scheduled; run verdicts stay', () => {
    const next = new Date('2025-03-01T13:00:00Z');
    const bad = conditionsBetweenRuns(
      undefined,
      { reason: 'InvalidSchedule', message: 'bad cron' },
      undefined,
      1,
      now,
    );
    assert.equal(get(bad, 'Ready')?.status, 'False');
    assert.equal(bad.find((c) => c.type === 'Ready')!.reason, 'InvalidSchedule');
    const fixed = conditionsBetweenRuns(bad, undefined, next, 2, later);
    const r = fixed.find((c) => c.type === 'Ready')!;
    assert.deepEqual(
      [r.status, r.reason, r.message],
      ['True', 'Scheduled', 'next run at 2025-03-01T13:00:00.000Z'],
    );
    const failed = conditionsAfterFailure(undefined, { reason: 'BadValue', message: 'row 3' }, 1, now);
    assert.equal(
      conditionsBetweenRuns(failed, undefined, next, 1, later).find((c) => c.type === 'Ready')!.reason,
      'BadValue',
    );
  });

  test('the notice and the notification results', () => {
    const n = driftNotice('shop/customers-march', sampleReport(true), 'http://op/reports/7', now);
    assert.deepEqual(n.driftedColumns, ['age']);
    assert.equal(n.columnCount, 2);
    assert.equal(n.shareThreshold, 0.5);
    assert.equal(n.reportUrl, 'http://op/reports/7');
    const s = notificationStatus(
      [
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
      now,
    );
    assert.deepEqual(s[1], {
      kind: 'webhook',
      target: 'webhook http://h/x',
      delivered: false,
      attempts: 4,
      error: 'HTTP 503',
      time: now.toISOString(),
    });
    assert.equal(s[0].delivered, true);
  });
});
