// The next DriftMonitor status as a pure function of the stored one and what this reconcile's
// steps observed: the run's report or failure, the notification results, a retrain asked for,
// a run started, the schedule. Only this module sets conditions, so every path reports by the
// same rules (report-status.ts says what a stored report contributes).
import type { Condition } from '../../api/v1alpha1/common.ts';
import type { DriftMonitorStatus, NotificationStatus } from '../../api/v1alpha1/driftmonitor.ts';
import type { NotificationResult } from '../../notify/index.ts';
import type { DriftReport } from '@persona-operator/registry';
import { setCondition } from '../../runtime/conditions.ts';
import type { RunFailure } from './failure.ts';
import { driftSummary, reportStatus } from './report-status.ts';
import type { RetrainObservation } from './retrain.ts';

/** What looking at the run in progress found. */
export type RunObservation =
  | { state: 'running' }
  | { state: 'failed'; failure: RunFailure }
  | { state: 'succeeded'; report: DriftReport; url: string };

/** A run started in this reconcile: its slot and Job, or why it failed before its Job ran. */
export interface StartObservation {
  slot: Date;
  jobName: string;
  /** The run-now token the run answers, when a request started it. */
  runNowToken?: string;
  failure?: RunFailure;
}

/** A problem in the spec that stops the schedule until the spec changes. */
export interface SpecIssue {
  reason: string;
  message: string;
}

/** The schedule as this reconcile read it: when the next slot is, or why there is none. */
export type ScheduleObservation = { nextRunTime: Date } | { problem: SpecIssue };

/** Everything one reconcile observed; a step missing here did not run. */
export interface Observations {
  /** The run that was in progress when the reconcile began, once looked at. */
  run?: RunObservation;
  /** How the notices of the run that just succeeded went (empty: no target wanted one). */
  notifications?: readonly NotificationResult[];
  /** What the run that just succeeded decided about retraining (done, when `retrain`). */
  retrain?: RetrainObservation;
  started?: StartObservation;
  schedule?: ScheduleObservation;
}

const READY = 'Ready';
const DRIFT_DETECTED = 'DriftDetected';

/** Ready reasons that come from the spec itself: a new generation of the spec clears them. */
const SPEC_REASONS = new Set(['InvalidSchedule', 'InvalidSpec']);

/** `<base>/reports/<id>`; a path alone when the operator's address is not configured. */
export function reportUrl(base: string | undefined, id: number): string {
  return `${(base ?? '').replace(/\/+$/, '')}/reports/${id}`;
}

function conditionsAfterReport(
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
function conditionsAfterFailure(
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
 * Between runs: a spec problem makes Ready false until the spec changes; then (or before the
 * first run) the monitor is ready and waiting for its next slot. A run's verdict, a spec
 * problem it found included, stays until the next run.
 */
function conditionsBetweenRuns(
  previous: readonly Condition[] | undefined,
  problem: SpecIssue | undefined,
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
  } else if (!ready || (SPEC_REASONS.has(ready.reason) && ready.observedGeneration !== generation)) {
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

function notificationStatus(results: readonly NotificationResult[], now: Date): NotificationStatus[] {
  return results.map((r) => ({
    kind: r.kind,
    target: r.target,
    delivered: r.ok,
    attempts: r.attempts,
    ...(r.error !== undefined ? { error: r.error } : {}),
    time: now.toISOString(),
  }));
}

/** The status to write: the stored one with the observations applied in step order. */
export function nextStatus(
  previous: DriftMonitorStatus | undefined,
  o: Observations,
  generation: number | undefined,
  now: Date,
): DriftMonitorStatus {
  const next: DriftMonitorStatus = { ...previous, observedGeneration: generation };
  let conditions = previous?.conditions;
  const failed = (failure: RunFailure) => {
    next.lastRunResult = 'Failed';
    conditions = conditionsAfterFailure(conditions, failure, generation, now);
  };

  if (o.run?.state === 'failed') failed(o.run.failure);
  if (o.run?.state === 'succeeded') {
    const { report, url } = o.run;
    next.lastRunResult = 'Succeeded';
    next.lastReport = reportStatus(report, url);
    conditions = conditionsAfterReport(conditions, report, url, generation, now);
  }
  if (o.notifications?.length) next.notifications = notificationStatus(o.notifications, now);
  else if (o.notifications) delete next.notifications;
  if (o.retrain?.retrain) next.lastRetrainTriggered = now.toISOString();
  if (o.retrain && (o.retrain.retrain || o.retrain.reason !== 'NoDrift')) {
    const r = o.retrain;
    next.lastRetrain = {
      decision: r.retrain ? 'Triggered' : 'Skipped',
      reason: r.retrain ? 'Triggered' : r.reason,
      message: r.message,
      reportId: r.reportId,
      ...(r.data ? { data: r.data } : {}),
      time: now.toISOString(),
    };
  }

  if (o.started) {
    next.lastRunTime = o.started.slot.toISOString();
    next.lastJobName = o.started.jobName;
    if (o.started.runNowToken !== undefined) next.runNowToken = o.started.runNowToken;
    if (o.started.failure) failed(o.started.failure);
    else next.lastRunResult = 'Running';
  }

  if (o.schedule && 'problem' in o.schedule) {
    delete next.nextRunTime;
    conditions = conditionsBetweenRuns(conditions, o.schedule.problem, undefined, generation, now);
  } else if (o.schedule) {
    next.nextRunTime = o.schedule.nextRunTime.toISOString();
    conditions = conditionsBetweenRuns(conditions, undefined, o.schedule.nextRunTime, generation, now);
  }
  if (conditions) next.conditions = conditions;
  return next;
}
