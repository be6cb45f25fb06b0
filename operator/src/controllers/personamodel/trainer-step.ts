// The training runner: starts the Job the trigger asks for (or finds the one a previous
// run of the operator already made: the name is deterministic) and, once it has finished,
// records its outcome and the version it registered.
import type { V1Job } from '@kubernetes/client-node';
import type { ModelMetrics } from '@persona-operator/core/artifact/types';
import {
  describeDataParts,
  describeDataShort,
  describeTrigger,
  type ModelVersion,
} from '@persona-operator/registry';
import { RETRAIN_ANNOTATION } from '../../api/v1alpha1/common.ts';
import type {
  LastTrainingStatus,
  PersonaModel,
  PersonaModelStatus,
} from '../../api/v1alpha1/personamodel.ts';
import type { TrainingObservation } from './status.ts';
import { failpoint } from '../../runtime/failpoints.ts';
import { isConflict } from '../../runtime/k8s-errors.ts';
import { keyOf, modelRef, type PersonaModelContext } from './context.ts';
import type { ResolvedSpec } from './defaults.ts';
import { INPUTS_HASH_LABEL, trainingInputsHash, trainingJobName } from './naming.ts';
import { TRIGGER_ANNOTATION, buildTrainingJob } from './objects/job.ts';
import { ensureServiceAccount } from '../shared/service-accounts.ts';
import { jobOutcome } from '../shared/job-outcome.ts';
import { objectsOfModel } from '../shared/model-index.ts';
import { nextFireTime } from '@persona-operator/core/time/cron';
import { decideTraining } from './trigger.ts';
import { planTrainingData } from './training-data.ts';
import { classifyTrainingFailure } from './training-failure.ts';
import { readRetrainRequest } from '../shared/retrain-request.ts';
import { findJob } from '../../kube/find-job.ts';

export function trainingMetrics(m: ModelMetrics): LastTrainingStatus['metrics'] {
  return {
    k: m.k,
    inertia: m.inertia,
    ...(m.silhouette !== null
      ? { silhouette: m.silhouette, silhouetteRounded: Math.round(m.silhouette * 1000) / 1000 }
      : {}),
  };
}

/** The registry's versions of a model as the reconcile read them once at its start. */
export interface RegistryVersions {
  latest?: ModelVersion;
  production?: ModelVersion;
}

export interface TrainingStepResult {
  observed: TrainingObservation;
  /** The version a training Job registered, when this reconcile saw the Job succeed. */
  trained?: ModelVersion;
  requeueAfterMs?: number;
}

interface ObservedJob {
  last: LastTrainingStatus;
  trained?: ModelVersion;
}

/** The training record once the running Job has been looked at: unchanged while it runs. */
async function observeRunningJob(
  ctx: PersonaModelContext,
  model: PersonaModel,
  last: LastTrainingStatus,
): Promise<ObservedJob> {
  const ref = modelRef(model);
  const failed = (message: string, completionTime: string | undefined, reason = 'TrainingFailed') => {
    ctx.events.record(model, 'Warning', 'TrainingFailed', message);
    return { last: { ...last, result: 'Failed' as const, message, completionTime, reason } };
  };
  const job = await findJob(ctx, ref.namespace, last.jobName);
  if (!job) {
    return failed(
      `Job ${last.jobName} disappeared before it finished`,
      new Date(ctx.clock.now()).toISOString(),
    );
  }
  const outcome = jobOutcome(job);
  if (outcome.state === 'running') return { last };
  ctx.jobFinished('training', job, outcome);
  // The trainer registers with the Job's UID as run id: that finds exactly this Job's version.
  const run = await ctx.registry.getTrainingRun(ref, job.metadata!.uid!);
  if (outcome.state === 'failed') {
    // The trainer's own words (which part, column or window) say more than the Job's condition.
    if (!run?.error) return failed(outcome.message, outcome.completionTime);
    const error = run.error.replace(/^bad-input: /, '');
    return failed(`Job ${last.jobName}: ${error}`, outcome.completionTime, classifyTrainingFailure(error));
  }
  if (!run || run.version === null) {
    return failed(
      `Job ${last.jobName} completed but registered no version (run ${run?.status ?? 'missing'})`,
      outcome.completionTime,
    );
  }
  const version = await ctx.registry.getVersion({ ...ref, version: run.version });
  failpoint('after-training-observed');
  ctx.events.record(
    model,
    'Normal',
    'Trained',
    `version ${run.version} registered (k=${version.metrics.k}, silhouette=${version.metrics.silhouette ?? 'n/a'})`,
  );
  const lineage = version.lineage;
  return {
    last: {
      ...last,
      result: 'Succeeded',
      completionTime: outcome.completionTime,
      version: run.version,
      metrics: trainingMetrics(version.metrics),
      message: `version ${run.version} registered by Job ${last.jobName}`,
      ...(lineage
        ? {
            triggeredBy: describeTrigger(lineage.trigger),
            data: describeDataShort(lineage),
            dataParts: describeDataParts(lineage),
          }
        : {}),
    },
    trained: version,
  };
}

/**
 * A Job for the current inputs that status does not know of: the operator died between
 * creating it and recording it. Jobs are the durable record, so status is rebuilt from them.
 */
export function lostJob(
  ctx: PersonaModelContext,
  model: PersonaModel,
  last: LastTrainingStatus | undefined,
  inputsHash: string,
): V1Job | undefined {
  // creationTimestamp has whole seconds: compare with the recorded start cut to seconds.
  const since = last?.startTime ? Math.floor(Date.parse(last.startTime) / 1000) * 1000 : -Infinity;
  const ours = objectsOfModel(ctx.jobs, model.metadata.namespace!, model.metadata.name!).filter((j) => {
    const m = j.metadata;
    return (
      m?.labels?.[INPUTS_HASH_LABEL] === inputsHash &&
      m?.name !== last?.jobName &&
      m?.ownerReferences?.some((o) => o.uid === model.metadata.uid) === true &&
      new Date(m?.creationTimestamp ?? 0).getTime() > since
    );
  });
  const created = (j: V1Job) => new Date(j.metadata?.creationTimestamp ?? 0).getTime();
  return ours.sort((a, b) => created(b) - created(a))[0];
}

export async function trainingStep(
  ctx: PersonaModelContext,
  model: PersonaModel,
  spec: ResolvedSpec,
  previous: PersonaModelStatus,
  versions: RegistryVersions,
): Promise<TrainingStepResult> {
  const ref = modelRef(model);
  const inputsHash = trainingInputsHash(spec);
  const retrainToken = model.metadata.annotations?.[RETRAIN_ANNOTATION];
  let last = previous.lastTraining;
  // The token is acted upon whenever a Job starts (or is adopted), so it does not fire again.
  let actedToken: string | undefined;
  if (last?.result !== 'Running') {
    const lost = lostJob(ctx, model, last, inputsHash);
    if (lost) {
      last = {
        jobName: lost.metadata!.name!,
        inputsHash,
        trigger: lost.metadata?.annotations?.[TRIGGER_ANNOTATION],
        startTime: new Date(lost.metadata?.creationTimestamp ?? ctx.clock.now()).toISOString(),
        result: 'Running',
      };
      actedToken = retrainToken;
      ctx.logger.info(
        { model: keyOf(ref.namespace, ref.name), job: lost.metadata?.name },
        'adopted a training Job status had lost',
      );
    }
  }
  let trained: ModelVersion | undefined;
  if (last?.result === 'Running') {
    ({ last, trained } = await observeRunningJob(ctx, model, last));
    if (last.result === 'Running') return { observed: { lastTraining: last, retrainToken: actedToken } };
  }
  const now = new Date(ctx.clock.now());
  const hasVersion =
    previous.latestVersion !== undefined || last?.version !== undefined || versions.latest !== undefined;
  const decision = decideTraining({
    now,
    inputsHash,
    retrainToken,
    status: { ...previous, lastTraining: last, retrainToken: actedToken ?? previous.retrainToken },
    hasVersion,
    schedule: spec.training.schedule,
    createdAt: new Date(model.metadata.creationTimestamp ?? now),
  });
  const requeueAfterMs = spec.training.schedule
    ? Math.max(0, nextFireTime(spec.training.schedule, now).getTime() - now.getTime())
    : undefined;
  if (!decision.train) {
    return { observed: { lastTraining: last, retrainToken: actedToken }, trained, requeueAfterMs };
  }

  const jobName = trainingJobName(ref.name, inputsHash, decision.token);
  const request =
    decision.reason === 'RetrainRequested'
      ? readRetrainRequest(model.metadata.annotations, decision.token)
      : undefined;
  const plan = planTrainingData({
    spec,
    namespace: ref.namespace,
    reason: decision.reason,
    token: decision.token,
    request,
    production: request?.data === 'ReferenceAndCurrent' ? versions.production : undefined,
  });
  const job = buildTrainingJob(model, spec, ctx.config, {
    jobName,
    inputsHash,
    trigger: decision.reason,
    data: plan,
  });
  let created = false;
  if (!ctx.jobs.get(keyOf(ref.namespace, jobName))) {
    await ensureServiceAccount(ctx, ref.namespace, ctx.config.trainerServiceAccount);
    try {
      const made = await ctx.clients.batch.createNamespacedJob({ namespace: ref.namespace, body: job });
      ctx.jobs.remember(keyOf(ref.namespace, jobName), made);
      created = true;
      failpoint('after-job-create');
    } catch (err) {
      // 409: this operator (before a restart) or another replica made it already; adopt it.
      if (!isConflict(err)) throw err;
    }
  }
  ctx.logger.info(
    { model: keyOf(ref.namespace, ref.name), job: jobName, created, reason: decision.reason },
    'training',
  );
  const triggeredBy = describeTrigger(plan.trigger);
  ctx.events.record(
    model,
    'Normal',
    'TrainingStarted',
    `${decision.message}: Job ${jobName}, ${plan.choice} data (${triggeredBy})`,
  );
  return {
    observed: {
      lastTraining: {
        jobName,
        inputsHash,
        trigger: decision.reason,
        triggeredBy,
        data: plan.choice,
        startTime: now.toISOString(),
        result: 'Running',
      },
      retrainToken,
    },
    trained,
    requeueAfterMs,
  };
}
