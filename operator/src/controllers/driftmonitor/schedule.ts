// When a monitor runs, as a pure function of the clock, the cron expression and what the
// status remembers. Like a CronJob with concurrencyPolicy Forbid and no backlog: never two
// runs of one monitor at once, and after downtime only the latest missed slot runs (one
// catch-up run, not a burst replaying every slot that was missed).
import { CronExpressionParser } from 'cron-parser';
import type { DriftMonitorStatus } from '../../api/v1alpha1/driftmonitor.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "24h" -> 86 400 000; the grammar of the CRD's duration fields. */
export function parseDuration(value: string, field: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(value);
  if (!m)
    throw new Error(
      `${field}: expected a duration such as 90s, 15m, 24h or 7d, got ${JSON.stringify(value)}`,
    );
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** The latest time the schedule fired at or before `now` (UTC). Throws on a bad expression. */
export function previousSlot(schedule: string, now: Date): Date {
  const expr = CronExpressionParser.parse(schedule, { currentDate: new Date(now.getTime() + 1), tz: 'UTC' });
  return expr.prev().toDate();
}

/** The first time the schedule fires after `now` (UTC). Throws on a bad expression. */
export function nextSlot(schedule: string, now: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: now, tz: 'UTC' }).next().toDate();
}

/** A schedule's problem in words, or undefined when cron-parser accepts it. */
export function scheduleProblem(schedule: string): string | undefined {
  try {
    CronExpressionParser.parse(schedule, { tz: 'UTC' });
    return undefined;
  } catch (err) {
    return `spec.schedule ${JSON.stringify(schedule)} is not a valid cron expression: ${(err as Error).message}`;
  }
}

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
  const nextRunTime = nextSlot(i.schedule, i.now);
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
  const slot = previousSlot(i.schedule, i.now);
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
