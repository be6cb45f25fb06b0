// A run's life: start the drift Job for a due slot (or adopt the one a previous operator made:
// the name is deterministic), and once it has finished, turn its outcome into status, an
// Event, notifications and, on drift, a retrain request.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, RETRAIN_ANNOTATION, VERSION } from '../../api/v1alpha1/common.ts';
import type { DriftMonitor, DriftMonitorStatus } from '../../api/v1alpha1/driftmonitor.ts';
import { PERSONA_MODEL_PLURAL } from '../../api/v1alpha1/personamodel.ts';
import { describeApiError, isConflict } from '../../runtime/k8s-errors.ts';
import { SpecProblem } from '../shared/errors.ts';
import { jobOutcome } from '../shared/job-outcome.ts';
import { keyOf, type DriftMonitorContext } from './context.ts';
import { runFailure, terminationMessage, type RunFailure } from './failure.ts';
import { DRIFT_CONTAINER, buildDriftJob } from './job.ts';
import { driftJobName } from './naming.ts';
import { activeTrainingJobs, decideRetrain } from './retrain.ts';
import type { RunDecision } from './schedule.ts';
import { notifyStep } from './notify-step.ts';
import {
  conditionsAfterFailure,
  conditionsAfterReport,
  driftNotice,
  driftSummary,
  notificationStatus,
  reportStatus,
  reportUrl,
} from './status.ts';
import { ensureServiceAccount } from '../shared/service-accounts.ts';
import { findJob } from '../../kube/find-job.ts';

type Start = Extract<RunDecision, { run: true }>;

async function failRun(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  status: DriftMonitorStatus,
  failure: RunFailure,
  now: Date,
): Promise<void> {
  status.lastRunResult = 'Failed';
  status.conditions = conditionsAfterFailure(status.conditions, failure, monitor.metadata.generation, now);
  ctx.logger.warn(
    {
      monitor: keyOf(monitor.metadata.namespace!, monitor.metadata.name!),
      job: status.lastJobName,
      reason: failure.reason,
    },
    'drift run failed',
  );
  await ctx.events.record(monitor, 'Warning', 'DriftCheckFailed', `${failure.reason}: ${failure.message}`);
}

/** Starts the run `decision` asks for; records it in `status`. */
export async function startRun(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  status: DriftMonitorStatus,
  decision: Start,
  now: Date,
): Promise<void> {
  const namespace = monitor.metadata.namespace!;
  const name = monitor.metadata.name!;
  const jobName = driftJobName(name, decision.slot, decision.runNowToken);
  status.lastRunTime = decision.slot.toISOString();
  status.lastJobName = jobName;
  if (decision.runNowToken !== undefined) status.runNowToken = decision.runNowToken;

  // A missing model is reported without starting a pod that could only say the same.
  const modelName = monitor.spec.modelRef.name;
  const model = ctx.models.get(keyOf(namespace, modelName));
  if (!model) {
    await failRun(
      ctx,
      monitor,
      status,
      {
        reason: 'ModelNotFound',
        message: `PersonaModel ${namespace}/${modelName} (spec.modelRef.name) not found`,
      },
      now,
    );
    return;
  }
  let job: V1Job;
  try {
    job = buildDriftJob(monitor, model, ctx.config, {
      jobName,
      slot: decision.slot,
      trigger: decision.trigger,
    });
  } catch (err) {
    if (!(err instanceof SpecProblem)) throw err;
    await failRun(ctx, monitor, status, { reason: 'InvalidSpec', message: err.message }, now);
    return;
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
  status.lastRunResult = 'Running';
  ctx.logger.info(
    { monitor: keyOf(namespace, name), job: jobName, created, trigger: decision.trigger },
    'drift run',
  );
  await ctx.events.record(monitor, 'Normal', 'DriftRunStarted', `${decision.message}: Job ${jobName}`);
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

async function requestRetrain(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  status: DriftMonitorStatus,
  reportId: number,
  driftDetected: boolean,
  now: Date,
): Promise<void> {
  const namespace = monitor.metadata.namespace!;
  const modelName = monitor.spec.modelRef.name;
  const model = ctx.models.get(keyOf(namespace, modelName));
  const decision = decideRetrain({
    now,
    driftDetected,
    reportId,
    action: monitor.spec.action,
    lastRetrainTriggered: status.lastRetrainTriggered,
    model,
    activeTrainingJobs: activeTrainingJobs(ctx.jobs.list(), namespace, modelName),
  });
  if (!decision.retrain) {
    if (
      decision.reason === 'ModelTraining' ||
      decision.reason === 'Cooldown' ||
      decision.reason === 'ModelNotFound'
    ) {
      await ctx.events.record(monitor, 'Normal', 'RetrainSkipped', decision.message);
    }
    return;
  }
  // A merge patch touches only this annotation, whatever else changes on the model meanwhile.
  await ctx.clients.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PERSONA_MODEL_PLURAL,
      name: modelName,
      body: { metadata: { annotations: { [RETRAIN_ANNOTATION]: decision.token } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  status.lastRetrainTriggered = now.toISOString();
  ctx.logger.info(
    { monitor: keyOf(namespace, monitor.metadata.name!), model: modelName, token: decision.token },
    'retrain requested',
  );
  await ctx.events.record(
    monitor,
    'Normal',
    'RetrainTriggered',
    `PersonaModel ${modelName}: ${decision.message}`,
  );
  if (model) {
    await ctx.events.record(
      model,
      'Normal',
      'RetrainRequested',
      `DriftMonitor ${monitor.metadata.name} found drift (report ${reportId})`,
    );
  }
}

/** Looks at the running drift Job; once it has finished, records its outcome in `status`. */
export async function observeRun(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  status: DriftMonitorStatus,
  now: Date,
): Promise<void> {
  const namespace = monitor.metadata.namespace!;
  const monitorKey = keyOf(namespace, monitor.metadata.name!);
  const jobName = status.lastJobName;
  const job = jobName ? await findJob(ctx, namespace, jobName) : undefined;
  if (!job) {
    await failRun(
      ctx,
      monitor,
      status,
      {
        reason: 'RunLost',
        message: `Job ${jobName ?? '(unnamed)'} disappeared before it finished`,
      },
      now,
    );
    return;
  }
  const outcome = jobOutcome(job);
  if (outcome.state === 'running') return;
  if (outcome.state === 'failed') {
    const pods = await jobPods(ctx, job);
    await failRun(
      ctx,
      monitor,
      status,
      runFailure(terminationMessage(pods, DRIFT_CONTAINER), outcome.message),
      now,
    );
    return;
  }
  // The checker stores its report under (monitor, run id = the Job's UID).
  const report = await ctx.registry.getDriftReportByRun(monitorKey, job.metadata!.uid!);
  if (!report) {
    await failRun(
      ctx,
      monitor,
      status,
      {
        reason: 'DriftCheckFailed',
        message: `Job ${jobName} completed but no report of run ${job.metadata!.uid} is in the registry`,
      },
      now,
    );
    return;
  }
  const url = reportUrl(ctx.reportBaseUrl, report.id);
  status.lastRunResult = 'Succeeded';
  status.lastReport = reportStatus(report, url);
  status.conditions = conditionsAfterReport(status.conditions, report, url, monitor.metadata.generation, now);
  const summary = `report ${report.id} on version ${report.model.version}: ${driftSummary(report)}; ${url}`;
  await ctx.events.record(
    monitor,
    report.driftDetected ? 'Warning' : 'Normal',
    report.driftDetected ? 'DriftDetected' : 'NoDrift',
    summary,
  );
  ctx.logger.info(
    { monitor: monitorKey, reportId: report.id, driftDetected: report.driftDetected },
    'drift run finished',
  );

  const results = await notifyStep(ctx, monitor, driftNotice(monitorKey, report, url, now));
  if (results.length) status.notifications = notificationStatus(results, now);
  else delete status.notifications;
  for (const r of results.filter((x) => !x.ok)) {
    await ctx.events.record(
      monitor,
      'Warning',
      'NotificationFailed',
      `${r.target}: ${r.error ?? 'failed'} (${r.attempts} attempts)`,
    );
  }
  await requestRetrain(ctx, monitor, status, report.id, report.driftDetected, now);
}
