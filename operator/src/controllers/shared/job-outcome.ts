// A Job's outcome from its terminal conditions, for every Job the operator runs.
import type { V1Job } from '@kubernetes/client-node';

export type JobOutcome =
  | { state: 'running' }
  | { state: 'succeeded'; completionTime?: string }
  | { state: 'failed'; message: string; completionTime?: string };

const iso = (t: Date | string | undefined): string | undefined =>
  t === undefined ? undefined : new Date(t).toISOString();

/** Reads a Job's terminal conditions (Complete / Failed), as `kubectl wait` does. */
export function jobOutcome(job: V1Job): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  const done = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const complete = done('Complete');
  if (complete)
    return {
      state: 'succeeded',
      completionTime: iso(job.status?.completionTime ?? complete.lastTransitionTime),
    };
  const failed = done('Failed');
  if (failed) {
    return {
      state: 'failed',
      message: `Job ${job.metadata?.name} failed (${failed.reason ?? 'Failed'}): ${failed.message ?? 'no message'}`,
      completionTime: iso(failed.lastTransitionTime),
    };
  }
  return { state: 'running' };
}
