// How long the Jobs the operator runs took, read from the Job's own status (its start time and
// the time of its terminal condition), so the figure is the cluster's and not the operator's
// clock, and an operator that restarts mid-run still reports the whole run.
import type { V1Job } from '@kubernetes/client-node';
import type { Histogram } from 'prom-client';
import type { JobOutcome } from './job-outcome.ts';

/** Which of the operator's Jobs finished. */
export type JobPurpose = 'training' | 'drift-check';

export type FinishedJobOutcome = Exclude<JobOutcome, { state: 'running' }>;

/** Told when a reconcile first sees one of its Jobs in a terminal state. */
export type JobFinished = (purpose: JobPurpose, job: V1Job, outcome: FinishedJobOutcome) => void;

/** Seconds from the Job's start to its end, or undefined when either is unknown. */
export function jobSeconds(job: V1Job, outcome: FinishedJobOutcome): number | undefined {
  const start = job.status?.startTime ?? job.metadata?.creationTimestamp;
  if (start === undefined || outcome.completionTime === undefined) return undefined;
  const seconds = (Date.parse(outcome.completionTime) - new Date(start).getTime()) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Records each finished Job in the duration histogram, by purpose and result. */
export function observeJobDurations(histogram: Histogram<'job' | 'result'>): JobFinished {
  return (purpose, job, outcome) => {
    const seconds = jobSeconds(job, outcome);
    if (seconds !== undefined) histogram.observe({ job: purpose, result: outcome.state }, seconds);
  };
}
