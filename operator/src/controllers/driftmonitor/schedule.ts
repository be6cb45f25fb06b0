// When a monitor runs, as a pure function of the clock, the cron expression and what the
// status remembers. Like a CronJob with concurrencyPolicy Forbid and no backlog: never two
// runs of one monitor at once, and after downtime only the latest missed slot runs (one
// catch-up run, not a burst replaying every slot that was missed).
import { nextFireTime, previousFireTime } from '@persona-operator/core/time/cron';
import type { DriftMonitorStatus } from '../../api/v1alpha1/driftmonitor.ts';

export interface ScheduleInputs {
  now: Date;
  schedule: string;
  /** When the monitor was created: the schedule counts from there before the first run. */
  createdAt: Date;
  status: DriftMonitorStatus | undefined;
  /** Value of the run-now annotation, if set. */
  runNowToken?: string;
}

export type RunDecision =
  | {
      run: true;
      trigger: 'Schedule' | 'RunNow';
      /** The time the run is for: the cron slot, or now for a run-now request. */
      slot: Date;
      /** Set for a run-now request: recorded in status so the token fires once. */
      runNowToken?: string;
      message: string;
    }
  | { run: false; message: string };

export interface SchedulePlan {
  decision: RunDecision;
  /** The next cron slot after now, for status and the requeue. */
  nextRunTime: Date;
}

/** Whether to start a run now, and when the next one is due. Throws on a bad schedule. */
export function planRun(i: ScheduleInputs): SchedulePlan {
  const nextRunTime = nextFireTime(i.schedule, i.now);
  const s = i.status ?? {};
  if (s.lastRunResult === 'Running') {
    return {
      nextRunTime,
      decision: { run: false, message: `run ${s.lastJobName ?? '(unnamed)'} is still in progress` },
    };
  }
  if (i.runNowToken && i.runNowToken !== s.runNowToken) {
    return {
      nextRunTime,
      decision: {
        run: true,
        trigger: 'RunNow',
        slot: i.now,
        runNowToken: i.runNowToken,
        message: `run requested (token ${JSON.stringify(i.runNowToken)})`,
      },
    };
  }
  const slot = previousFireTime(i.schedule, i.now);
  const since = s.lastRunTime ? new Date(s.lastRunTime) : i.createdAt;
  if (slot.getTime() <= since.getTime()) {
    return { nextRunTime, decision: { run: false, message: `next run at ${nextRunTime.toISOString()}` } };
  }
  return {
    nextRunTime,
    decision: {
      run: true,
      trigger: 'Schedule',
      slot,
      message: `schedule "${i.schedule}" was due at ${slot.toISOString()}`,
    },
  };
}
