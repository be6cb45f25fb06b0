// The PersonaModel reconcile: a thin sequence of the steps (finalizer, training, promotion,
// rollout), each returning what it observed, then one status built from those observations.
// Level-triggered: it reads the object as it is now, each step acts only on what is missing,
// and running it twice in a row does nothing the second time.
import { isTransientDbError } from '@persona-operator/registry';
import { PERSONA_MODEL_PLURAL, type PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import type { ReconcileResult } from '../../runtime/controller.ts';
import { SpecProblem } from '../shared/errors.ts';
import { writeStatus } from '../shared/status-write.ts';
import { modelRef, type PersonaModelContext } from './context.ts';
import { resolveSpec } from './defaults.ts';
import { ensureFinalizer, finalize } from './finalizer-step.ts';
import { promotionStep } from './promotion-step.ts';
import { rolloutStep } from './rollout-step.ts';
import { nextStatus, type Observations, type Problem } from './status.ts';
import { trainingStep, type RegistryVersions } from './trainer-step.ts';

const minDefined = (...xs: (number | undefined)[]): number | undefined => {
  const defined = xs.filter((x): x is number => x !== undefined);
  return defined.length ? Math.min(...defined) : undefined;
};

/** What a failed step means for status, or undefined when it is not for status to say. */
function problemOf(err: unknown): Problem | undefined {
  if (err instanceof SpecProblem) return { reason: 'InvalidSpec', message: err.message, permanent: true };
  if (isTransientDbError(err)) {
    const message = `the model registry is unreachable: ${(err as Error).message}`;
    return { reason: 'RegistryUnavailable', message, permanent: false };
  }
  return undefined;
}

export async function reconcilePersonaModel(ctx: PersonaModelContext, key: string): Promise<ReconcileResult> {
  let model = ctx.models.get(key);
  if (!model) return {};
  if (model.metadata.deletionTimestamp) {
    await finalize(ctx, model);
    return {};
  }
  // Independent round trips (API server, registry) in parallel: this is on the path from
  // apply to the training Job. The registry's versions are read once for all the steps.
  // The finalizer patch runs beside the training step rather than before it: everything that
  // step creates is owned by the model, so a deletion landing before the finalizer still has
  // garbage collection remove it, and the patch then fails on its resourceVersion test.
  const read = readVersions(ctx, model);
  const withFinalizer = ensureFinalizer(ctx, model);
  // Both awaited below, where a failure becomes status or a retry; not unhandled meanwhile.
  read.catch(() => undefined);
  withFinalizer.catch(() => undefined);
  const previous = model.status ?? {};
  // Filled in as the steps finish, so a step that fails still leaves what the earlier ones did.
  const observed: Observations = {};
  const report = (m: PersonaModel) =>
    writeStatus(
      ctx,
      ctx.models,
      PERSONA_MODEL_PLURAL,
      m,
      nextStatus(m.status, observed, m.metadata.generation, new Date(ctx.clock.now())),
    );

  let requeueAfterMs: number | undefined;
  try {
    // The trainer registers versions under the model, so the model is registered before the Job.
    const [versions] = await Promise.all([read, ensureRegistered(ctx, model)]);
    const spec = resolveSpec(model.spec);
    const training = await trainingStep(ctx, model, spec, previous, versions);
    observed.training = training.observed;
    // Promotion and rollout act only on a model that deletion will archive.
    model = await withFinalizer;
    const lastTraining = training.observed.lastTraining;
    observed.promotion = await promotionStep(ctx, model, spec, lastTraining, previous.lastPromotion, {
      production: versions.production,
      trained: training.trained,
    });
    const production = observed.promotion?.productionVersion ?? versions.production?.version;
    const rollout = await rolloutStep(ctx, model, spec, previous, production);
    observed.rollout = rollout.observed;
    requeueAfterMs = minDefined(training.requeueAfterMs, rollout.requeueAfterMs);
    // A version the training Job registered during this reconcile is newer than the one read.
    const latest = [versions.latest?.version, training.trained?.version].filter(
      (v): v is number => v !== undefined,
    );
    observed.latest = { version: latest.length ? Math.max(...latest) : undefined };
  } catch (err) {
    const problem = problemOf(err);
    if (!problem) throw err;
    observed.problem = problem;
    model = await withFinalizer;
    await report(model);
    // A bad spec waits for a new one; an outage is retried with backoff while status says so.
    if (problem.permanent) return {};
    throw err;
  }
  await report(model);
  return requeueAfterMs !== undefined ? { requeueAfterMs } : {};
}

/** The registry's latest and production versions of the model, read at once. */
async function readVersions(ctx: PersonaModelContext, model: PersonaModel): Promise<RegistryVersions> {
  const ref = modelRef(model);
  const [latest, production] = await Promise.all([
    ctx.registry.latestVersion(ref),
    ctx.registry.productionVersion(ref),
  ]);
  return { latest, production };
}

/** Models known to be in the registry, by uid: registering is needed once per object. */
const registered = new Set<string>();

async function ensureRegistered(ctx: PersonaModelContext, model: PersonaModel): Promise<void> {
  const uid = model.metadata.uid ?? '';
  if (registered.has(uid)) return;
  await ctx.registry.ensureModel(modelRef(model));
  registered.add(uid);
}
