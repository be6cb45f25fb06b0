// The DriftMonitor reconcile. Level-triggered: observe the run in progress, decide whether a
// run is due, start it, write status once, and come back exactly when the next slot is due.
// A failed run never stops the schedule: the next slot runs as usual.
import { GROUP, VERSION } from '../../api/v1alpha1/common.ts';
import {
  DRIFT_MONITOR_PLURAL,
  type DriftMonitor,
  type DriftMonitorStatus,
} from '../../api/v1alpha1/driftmonitor.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { keyOf, type DriftMonitorContext } from './context.ts';
import { RUN_NOW_ANNOTATION } from './naming.ts';
import { observeRun, startRun } from './run-step.ts';
import { planRun } from './schedule.ts';
import { cronProblem } from '@persona-operator/core/time/cron';
import { conditionsBetweenRuns } from './status.ts';

export const DEFAULT_SCHEDULE = '0 * * * *';
/**
 * Longest requeue: timers cannot wait more than 2^31-1 ms (Node fires longer ones at once), and
 * a reconcile that finds nothing due costs no API call, so a yearly schedule just looks again.
 */
export const MAX_REQUEUE_MS = 6 * 3_600_000;

function comparable(status: DriftMonitorStatus | undefined): string {
  const s = status ?? {};
  return canonicalJson({
    ...s,
    conditions: (s.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: undefined })),
  });
}

async function writeStatus(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  status: DriftMonitorStatus,
): Promise<void> {
  if (comparable(monitor.status) === comparable(status)) return;
  const namespace = monitor.metadata.namespace!;
  const name = monitor.metadata.name!;
  // A replace carries the resourceVersion read: a conflict reruns the reconcile on fresh state.
  const written = (await ctx.clients.custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: DRIFT_MONITOR_PLURAL,
    name,
    body: { ...monitor, status },
  })) as DriftMonitor;
  ctx.monitors.remember(keyOf(namespace, name), written);
}

export async function reconcileDriftMonitor(ctx: DriftMonitorContext, key: string): Promise<ReconcileResult> {
  const monitor = ctx.monitors.get(key);
  if (!monitor || monitor.metadata.deletionTimestamp) return {};
  const now = new Date(ctx.clock.now());
  const generation = monitor.metadata.generation;
  const status: DriftMonitorStatus = structuredClone(monitor.status ?? {});
  status.observedGeneration = generation;

  if (status.lastRunResult === 'Running') await observeRun(ctx, monitor, status, now);

  const schedule = monitor.spec.schedule ?? DEFAULT_SCHEDULE;
  const problem = cronProblem(schedule, 'spec.schedule');
  if (problem) {
    delete status.nextRunTime;
    status.conditions = conditionsBetweenRuns(
      status.conditions,
      { reason: 'InvalidSchedule', message: problem },
      undefined,
      generation,
      now,
    );
    await writeStatus(ctx, monitor, status);
    // Nothing to wait for: a corrected spec is a new event.
    return {};
  }
  const plan = planRun({
    now,
    schedule,
    createdAt: new Date(monitor.metadata.creationTimestamp ?? now),
    status,
    runNowToken: monitor.metadata.annotations?.[RUN_NOW_ANNOTATION],
  });
  status.nextRunTime = plan.nextRunTime.toISOString();
  if (plan.decision.run) await startRun(ctx, monitor, status, plan.decision, now);
  status.conditions = conditionsBetweenRuns(status.conditions, undefined, plan.nextRunTime, generation, now);
  await writeStatus(ctx, monitor, status);
  return {
    requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(0, plan.nextRunTime.getTime() - now.getTime())),
  };
}
