// Cron schedules (five fields or an @daily-style macro, always UTC) on cron-parser, for
// every place that plans by a schedule.
import { CronExpressionParser } from 'cron-parser';

/** A shape check for schemas; cron-parser checks the fields themselves. */
export const CRON_PATTERN =
  '^(@(yearly|annually|monthly|weekly|daily|hourly)|[0-9*?/,LW#A-Za-z-]+( +[0-9*?/,LW#A-Za-z-]+){4})$';

/** The latest time the schedule fires at or before `now`. Throws on a bad expression. */
export function previousFireTime(schedule: string, now: Date): Date {
  const expr = CronExpressionParser.parse(schedule, { currentDate: new Date(now.getTime() + 1), tz: 'UTC' });
  return expr.prev().toDate();
}

/** The first time the schedule fires strictly after `now`. Throws on a bad expression. */
export function nextFireTime(schedule: string, now: Date): Date {
  return CronExpressionParser.parse(schedule, { currentDate: now, tz: 'UTC' }).next().toDate();
}

/** What is wrong with the schedule, in words naming `field`, or undefined when it is valid. */
export function cronProblem(schedule: string, field: string): string | undefined {
  try {
    CronExpressionParser.parse(schedule, { tz: 'UTC' });
    return undefined;
  } catch (err) {
    return `${field} ${JSON.stringify(schedule)} is not a valid cron expression: ${(err as Error).message}`;
  }
}
