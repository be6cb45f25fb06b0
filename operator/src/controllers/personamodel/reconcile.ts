// The PersonaModel reconcile: a thin sequence of the steps (finalizer, training, promotion,
// rollout, status). Level-triggered: it reads the object as it is now, each step acts only
// on what is missing, and running it twice in a row does nothing the second time.
import { isTransientDbError } from '@persona-operator/registry';
import type { PersonaModel, PersonaModelStatus } from '../../api/v1alpha1/personamodel.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { modelRef, type PersonaModelContext } from './context.ts';
import { resolveSpec } from './defaults.ts';
import { SpecProblem } from '../shared/errors.ts';
import { ensureFinalizer, finalize } from './finalizer-step.ts';
import { promotionStep } from './promotion-step.ts';
import { rolloutStep, type RolloutObservation } from './rollout-step.ts';
import { finishStatus, writeStatus } from './status-step.ts';
import type { Observations } from './status.ts';
import { trainingStep } from './trainer-step.ts';

const minDefined = (...xs: (number | undefined)[]): number | undefined => {
  const defined = xs.filter((x): x is number => x !== undefined);
  return defined.length ? Math.min(...defined) : undefined;
};

function rolledBackFromStatus(status: PersonaModelStatus): Observations['rolledBack'] {
  const failed = status.rollout?.failedVersion;
  return failed !== undefined
    ? { version: failed, reason: status.rollout?.message ?? `version ${failed} did not become ready` }
    : undefined;
}

export async function reconcilePersonaModel(ctx: PersonaModelContext, key: string): Promise<ReconcileResult> {
  let model = ctx.models.get(key);
  if (!model) return {};
  if (model.metadata.deletionTimestamp) {
    await finalize(ctx, model);
    return {};
  }
  // Independent round trips (API server, registry) in parallel: this is on the path from
  // apply to the training Job.
  [model] = await Promise.all([ensureFinalizer(ctx, model), ensureRegistered(ctx, model)]);
  const now = () => new Date(ctx.clock.now());
  const status: PersonaModelStatus = structuredClone(model.status ?? {});

  let spec;
  try {
    spec = resolveSpec(model.spec);
  } catch (err) {
    if (!(err instanceof SpecProblem)) throw err;
    return report(
      ctx,
      model,
      status,
      { problem: { reason: 'InvalidSpec', message: err.message, permanent: true } },
      now(),
    );
  }

  let rollout: RolloutObservation = {};
  let requeueAfterMs: number | undefined;
  try {
    const training = await trainingStep(ctx, model, spec, status);
    await promotionStep(ctx, model, spec, status);
    rollout = await rolloutStep(ctx, model, spec, status);
    requeueAfterMs = minDefined(training.requeueAfterMs, rollout.requeueAfterMs);
    const latest = await ctx.registry.latestVersion(modelRef(model));
    status.latestVersion = latest?.version;
  } catch (err) {
    if (err instanceof SpecProblem) {
      return report(
        ctx,
        model,
        status,
        { problem: { reason: 'InvalidSpec', message: err.message, permanent: true } },
        now(),
      );
    }
    if (isTransientDbError(err)) {
      // Say so in status while it lasts, then retry with backoff.
      const message = `the model registry is unreachable: ${(err as Error).message}`;
      await report(
        ctx,
        model,
        status,
        { problem: { reason: 'RegistryUnavailable', message, permanent: false } },
        now(),
      );
    }
    throw err;
  }

  const observations: Observations = {
    training: status.lastTraining,
    promotion: status.lastPromotion,
    rollout: rollout.state,
    servingVersion: status.servingVersion,
    targetVersion: rollout.targetVersion,
    rolledBack: rollout.rolledBack ?? rolledBackFromStatus(status),
  };
  await writeStatus(ctx, model, finishStatus(model, status, observations, now()));
  return requeueAfterMs !== undefined ? { requeueAfterMs } : {};
}

/** Models known to be in the registry, by uid: registering is needed once per object. */
const registered = new Set<string>();

async function ensureRegistered(ctx: PersonaModelContext, model: PersonaModel): Promise<void> {
  const uid = model.metadata.uid ?? '';
  if (registered.has(uid)) return;
  await ctx.registry.ensureModel(modelRef(model));
  registered.add(uid);
}

async function report(
  ctx: PersonaModelContext,
  model: PersonaModel,
  status: PersonaModelStatus,
  extra: Pick<Observations, 'problem'>,
  now: Date,
): Promise<ReconcileResult> {
  const serving = status.servingVersion;
  const observations: Observations = {
    training: status.lastTraining,
    promotion: status.lastPromotion,
    // Pods that were serving keep serving (they loaded their model): Ready stays as it was
    // observed last, and Degraded carries the problem.
    ...(serving !== undefined &&
    model.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
      ? {
          rollout: {
            state: 'Complete' as const,
            message: status.rollout?.message ?? `version ${serving} ready`,
          },
          targetVersion: serving,
        }
      : {}),
    servingVersion: serving,
    rolledBack: rolledBackFromStatus(status),
    ...extra,
  };
  await writeStatus(ctx, model, finishStatus(model, status, observations, now));
  return {};
}
