// The DriftMonitor reconcile: a thin sequence of the steps (look at the run in progress and,
// once it has succeeded, notify and maybe retrain; then read the schedule and start a run when
// one is due), each returning what it observed, then one status built from those observations
// and written once. Level-triggered; it comes back exactly when the next slot is due. A failed
// run never stops the schedule: the next slot runs as usual.
import { DRIFT_MONITOR_PLURAL } from '../../api/v1alpha1/driftmonitor.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { writeStatus } from '../shared/status-write.ts';
import type { DriftMonitorContext } from './context.ts';
import { resolveMonitorSpec } from './defaults.ts';
import { RUN_NOW_ANNOTATION } from './naming.ts';
import { notifyStep } from './notify-step.ts';
import { retrainStep } from './retrain-step.ts';
import { observeRun, startRun } from './run-step.ts';
import { planRun } from './schedule.ts';
import { cronProblem } from '@persona-operator/core/time/cron';
import { driftNotice } from './report-status.ts';
import { nextStatus, type Observations } from './status.ts';

/**
 * Longest requeue: timers cannot wait more than 2^31-1 ms (Node fires longer ones at once), and
 * a reconcile that finds nothing due costs no API call, so a yearly schedule just looks again.
 */
export const MAX_REQUEUE_MS = 6 * 3_600_000;

export async function reconcileDriftMonitor(ctx: DriftMonitorContext, key: string): Promise<ReconcileResult> {
  const monitor = ctx.monitors.get(key);
  if (!monitor || monitor.metadata.deletionTimestamp) return {};
  const now = new Date(ctx.clock.now());
  const generation = monitor.metadata.generation;
  const spec = resolveMonitorSpec(monitor.spec);
  const previous = monitor.status ?? {};
  const observed: Observations = {};
  const writeObserved = () =>
    writeStatus(
      ctx,
      ctx.monitors,
      DRIFT_MONITOR_PLURAL,
      monitor,
      nextStatus(previous, observed, generation, now),
    );

  if (previous.lastRunResult === 'Running') {
    const run = await observeRun(ctx, monitor, previous.lastJobName);
    observed.run = run;
    if (run.state === 'succeeded') {
      const notice = driftNotice(key, run.report, run.url, now);
      observed.notifications = await notifyStep(ctx, monitor, spec, notice);
      observed.retrain = await retrainStep(
        ctx,
        monitor,
        spec,
        previous.lastRetrainTriggered,
        run.report,
        now,
      );
    }
  }

  const problem = cronProblem(spec.schedule, 'spec.schedule');
  if (problem) {
    observed.schedule = { problem: { reason: 'InvalidSchedule', message: problem } };
    await writeObserved();
    // Nothing to wait for: a corrected spec is a new event.
    return {};
  }
  const plan = planRun({
    now,
    schedule: spec.schedule,
    createdAt: new Date(monitor.metadata.creationTimestamp ?? now),
    // As the run in progress left it: one that just ended no longer holds the next back.
    status: nextStatus(previous, observed, generation, now),
    runNowToken: monitor.metadata.annotations?.[RUN_NOW_ANNOTATION],
  });
  observed.schedule = { nextRunTime: plan.nextRunTime };
  if (plan.decision.run) observed.started = await startRun(ctx, monitor, spec, plan.decision);
  await writeObserved();
  return {
    requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(0, plan.nextRunTime.getTime() - now.getTime())),
  };
}
