// A run's life: start the drift Job for a due slot (or adopt the one a previous operator made:
// the name is deterministic), and once it has finished, read its outcome (the stored report,
// or why it failed). Each returns what it found; an Event and a log line say it as it happens.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import { describeApiError, isConflict } from '../../runtime/k8s-errors.ts';
import { SpecProblem } from '../shared/errors.ts';
import { jobOutcome } from '../shared/job-outcome.ts';
import { keyOf, type DriftMonitorContext } from './context.ts';
import type { ResolvedMonitorSpec } from './defaults.ts';
import { runFailure, terminationMessage, type RunFailure } from './failure.ts';
import { DRIFT_CONTAINER, buildDriftJob } from './job.ts';
import { driftJobName } from './naming.ts';
import type { RunDecision } from './schedule.ts';
import { describeBadCells } from '@persona-operator/core/data/bad-cells';
import { driftSummary } from './report-status.ts';
import { reportUrl, type RunObservation, type StartObservation } from './status.ts';
import { ensureServiceAccount } from '../shared/service-accounts.ts';
import { findJob } from '../../kube/find-job.ts';

type Start = Extract<RunDecision, { run: true }>;

/** Says that the run of `jobName` failed (log, Event); returns the failure. */
async function runFailed(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  jobName: string | undefined,
  failure: RunFailure,
): Promise<RunFailure> {
  ctx.logger.warn(
    {
      monitor: keyOf(monitor.metadata.namespace!, monitor.metadata.name!),
      job: jobName,
      reason: failure.reason,
    },
    'drift run failed',
  );
  ctx.events.record(monitor, 'Warning', 'DriftCheckFailed', `${failure.reason}: ${failure.message}`);
  return failure;
}

/** Starts the run `decision` asks for: its Job, or why it could not have one. */
export async function startRun(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  spec: ResolvedMonitorSpec,
  decision: Start,
): Promise<StartObservation> {
  const namespace = monitor.metadata.namespace!;
  const name = monitor.metadata.name!;
  const jobName = driftJobName(name, decision.slot, decision.runNowToken);
  const started: StartObservation = {
    slot: decision.slot,
    jobName,
    ...(decision.runNowToken !== undefined ? { runNowToken: decision.runNowToken } : {}),
  };
  const failed = async (failure: RunFailure): Promise<StartObservation> => ({
    ...started,
    failure: await runFailed(ctx, monitor, jobName, failure),
  });

  // A missing model is reported without starting a pod that could only say the same.
  const modelName = spec.modelRef.name;
  const model = ctx.models.get(keyOf(namespace, modelName));
  if (!model) {
    return failed({
      reason: 'ModelNotFound',
      message: `PersonaModel ${namespace}/${modelName} (spec.modelRef.name) not found`,
    });
  }
  let job: V1Job;
  try {
    job = buildDriftJob(monitor, spec, model, ctx.config, {
      jobName,
      slot: decision.slot,
      trigger: decision.trigger,
    });
  } catch (err) {
    if (!(err instanceof SpecProblem)) throw err;
    return failed({ reason: 'InvalidSpec', message: err.message });
  }
  let created = false;
  if (!ctx.jobs.get(keyOf(namespace, jobName))) {
    // Drift Jobs run as the trainer's account, which may not exist yet in this namespace.
    await ensureServiceAccount(ctx, namespace, ctx.config.trainerServiceAccount);
    try {
      ctx.jobs.remember(
        keyOf(namespace, jobName),
        await ctx.clients.batch.createNamespacedJob({ namespace, body: job }),
      );
      created = true;
    } catch (err) {
      // 409: made before a restart of the operator (or by another replica): adopt it.
      if (!isConflict(err)) throw err;
    }
  }
  ctx.logger.info(
    { monitor: keyOf(namespace, name), job: jobName, created, trigger: decision.trigger },
    'drift run',
  );
  ctx.events.record(monitor, 'Normal', 'DriftRunStarted', `${decision.message}: Job ${jobName}`);
  return started;
}

async function jobPods(ctx: DriftMonitorContext, job: V1Job): Promise<V1Pod[]> {
  try {
    const list = await ctx.clients.core.listNamespacedPod({
      namespace: job.metadata!.namespace!,
      labelSelector: `batch.kubernetes.io/job-name=${job.metadata!.name}`,
    });
    return list.items;
  } catch (err) {
    // The Job's own message still says that it failed; the pods only say why.
    ctx.logger.warn({ job: job.metadata?.name, err: describeApiError(err) }, 'cannot read the drift pods');
    return [];
  }
}

/** Looks at the drift Job `jobName` of the run in progress: still running, failed, or its report. */
export async function observeRun(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  jobName: string | undefined,
): Promise<RunObservation> {
  const namespace = monitor.metadata.namespace!;
  const monitorKey = keyOf(namespace, monitor.metadata.name!);
  const failed = async (failure: RunFailure): Promise<RunObservation> => ({
    state: 'failed',
    failure: await runFailed(ctx, monitor, jobName, failure),
  });
  const job = jobName ? await findJob(ctx, namespace, jobName) : undefined;
  if (!job) {
    return failed({
      reason: 'RunLost',
      message: `Job ${jobName ?? '(unnamed)'} disappeared before it finished`,
    });
  }
  const outcome = jobOutcome(job);
  if (outcome.state === 'running') return { state: 'running' };
  ctx.jobFinished('drift-check', job, outcome);
  if (outcome.state === 'failed') {
    const pods = await jobPods(ctx, job);
    return failed(runFailure(terminationMessage(pods, DRIFT_CONTAINER), outcome.message));
  }
  // The checker stores its report under (monitor, run id = the Job's UID).
  const report = await ctx.registry.getDriftReportByRun(monitorKey, job.metadata!.uid!);
  if (!report) {
    return failed({
      reason: 'DriftCheckFailed',
      message: `Job ${jobName} completed but no report of run ${job.metadata!.uid} is in the registry`,
    });
  }
  const url = reportUrl(ctx.reportBaseUrl, report.id);
  const summary = `report ${report.id} on version ${report.model.version}: ${driftSummary(report)}; ${url}`;
  ctx.events.record(
    monitor,
    report.driftDetected ? 'Warning' : 'Normal',
    report.driftDetected ? 'DriftDetected' : 'NoDrift',
    summary,
  );
  const badCells = report.details?.badCells;
  if (badCells?.length) {
    // The run went on without them (counted as missing); someone should fix the data.
    ctx.events.record(
      monitor,
      'Warning',
      'IncompleteData',
      `report ${report.id}: current cells that could not be used, counted as missing: ${describeBadCells(badCells)}`,
    );
  }
  ctx.logger.info(
    { monitor: monitorKey, reportId: report.id, driftDetected: report.driftDetected },
    'drift run finished',
  );
  return { state: 'succeeded', report, url };
}
