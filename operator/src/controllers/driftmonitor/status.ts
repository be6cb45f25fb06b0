// The monitor's status from what a run produced: the report summary with per-column results,
// the Ready and DriftDetected conditions with their reasons, and the notification results.
import type { Condition } from '../../api/v1alpha1/common.ts';
import type {
  DriftColumnStatus,
  DriftMonitorStatus,
  NotificationStatus,
} from '../../api/v1alpha1/driftmonitor.ts';
import type { DriftNotice, NotificationResult } from '../../notify/index.ts';
import type { DriftReport } from '@persona-operator/registry';
import { setCondition } from '../../runtime/conditions.ts';
import type { RunFailure } from './failure.ts';

export const READY = 'Ready';
export const DRIFT_DETECTED = 'DriftDetected';

/** Ready reasons that come from the spec itself: fixing the spec clears them. */
export const SPEC_REASONS = new Set(['InvalidSchedule', 'InvalidSpec']);

/** `<base>/reports/<id>`; a path alone when the operator's address is not configured. */
export function reportUrl(base: string | undefined, id: number): string {
  return `${(base ?? '').replace(/\/+$/, '')}/reports/${id}`;
}

export function shareThreshold(report: DriftReport): number | undefined {
  const t = report.summary.shareThreshold;
  return typeof t === 'number' ? t : undefined;
}

export function reportStatus(
  report: DriftReport,
  url: string,
): NonNullable<DriftMonitorStatus['lastReport']> {
  const columns: DriftColumnStatus[] = report.columns.map((c) => ({
    name: c.name,
    test: c.test,
    // JSON has no Infinity: a column whose statistic is infinite (PSI) just omits it.
    ...(c.statistic !== null ? { statistic: c.statistic } : {}),
    ...(c.pValue !== null ? { pValue: c.pValue } : {}),
    threshold: c.threshold,
    drifted: c.drifted,
  }));
  return {
    id: report.id,
    version: report.model.version,
    driftDetected: report.driftDetected,
    driftShare: report.share,
    url,
    columns,
  };
}

/** "2 of 4 columns drifted (share 0.5, dataset drifts at 0.5): age, income". */
export function driftSummary(report: DriftReport): string {
  const drifted = report.columns.filter((c) => c.drifted).map((c) => c.name);
  const threshold = shareThreshold(report);
  const share = `share ${Math.round(report.share * 1000) / 1000}${threshold !== undefined ? `, dataset drifts at ${threshold}` : ''}`;
  const names = drifted.length ? `: ${drifted.join(', ')}` : '';
  return `${drifted.length} of ${report.columns.length} columns drifted (${share})${names}`;
}

export function conditionsAfterReport(
  previous: readonly Condition[] | undefined,
  report: DriftReport,
  url: string,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const summary = driftSummary(report);
  let list = setCondition(
    previous,
    {
      type: READY,
      status: 'True',
      reason: 'Checked',
      message: `report ${report.id} on version ${report.model.version}: ${url}`,
    },
    generation,
    now,
  );
  list = setCondition(
    list,
    report.driftDetected
      ? { type: DRIFT_DETECTED, status: 'True', reason: 'DriftDetected', message: summary }
      : { type: DRIFT_DETECTED, status: 'False', reason: 'NoDrift', message: summary },
    generation,
    now,
  );
  return list;
}

/** A failed run says why in Ready; DriftDetected keeps the verdict of the last report. */
export function conditionsAfterFailure(
  previous: readonly Condition[] | undefined,
  failure: RunFailure,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = setCondition(
    previous,
    { type: READY, status: 'False', reason: failure.reason, message: failure.message },
    generation,
    now,
  );
  return withDriftUnknownUntilChecked(list, generation, now);
}

/** DriftDetected is Unknown until a report says otherwise, so the condition is always listed. */
function withDriftUnknownUntilChecked(
  list: Condition[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  if (list.some((c) => c.type === DRIFT_DETECTED)) return list;
  return setCondition(
    list,
    { type: DRIFT_DETECTED, status: 'Unknown', reason: 'NotChecked', message: 'no drift report yet' },
    generation,
    now,
  );
}

/**
 * Between runs: a spec problem makes Ready false; once fixed (or before the first run) the
 * monitor is ready and waiting for its next slot. A run's verdict stays until the next run.
 */
export function conditionsBetweenRuns(
  previous: readonly Condition[] | undefined,
  problem: { reason: string; message: string } | undefined,
  nextRunTime: Date | undefined,
  generation: number | undefined,
  now: Date,
): Condition[] {
  let list = [...(previous ?? [])];
  const ready = list.find((c) => c.type === READY);
  if (problem) {
    list = setCondition(
      list,
      { type: READY, status: 'False', reason: problem.reason, message: problem.message },
      generation,
      now,
    );
  } else if (!ready || SPEC_REASONS.has(ready.reason)) {
    list = setCondition(
      list,
      {
        type: READY,
        status: 'True',
        reason: 'Scheduled',
        message: nextRunTime ? `next run at ${nextRunTime.toISOString()}` : 'waiting for the first run',
      },
      generation,
      now,
    );
  }
  return withDriftUnknownUntilChecked(list, generation, now);
}

export function driftNotice(monitorKey: string, report: DriftReport, url: string, now: Date): DriftNotice {
  const threshold = shareThreshold(report);
  return {
    monitor: monitorKey,
    model: report.model,
    driftDetected: report.driftDetected,
    driftShare: report.share,
    ...(threshold !== undefined ? { shareThreshold: threshold } : {}),
    driftedColumns: report.columns.filter((c) => c.drifted).map((c) => c.name),
    columnCount: report.columns.length,
    reportId: report.id,
    reportUrl: url,
    at: now,
  };
}

export function notificationStatus(results: readonly NotificationResult[], now: Date): NotificationStatus[] {
  return results.map((r) => ({
    kind: r.kind,
    target: r.target,
    delivered: r.ok,
    attempts: r.attempts,
    ...(r.error !== undefined ? { error: r.error } : {}),
    time: now.toISOString(),
  }));
}
