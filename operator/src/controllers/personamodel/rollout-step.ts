// Rollout: makes the predictor Deployment, Service, HPA and PDB serve the wanted version
// (the pin in spec.serving.version, else the production alias), watches the Deployment get
// there, and rolls back to the last good version when the new pods miss the progress deadline.
import { createHash } from 'node:crypto';
import type { V1Deployment } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP } from '../../api/v1alpha1/common.ts';
import type {
  PersonaModel,
  PersonaModelStatus,
  PromotionStatus,
  RolloutStatus,
} from '../../api/v1alpha1/personamodel.ts';
import { isNotFound } from '../../runtime/k8s-errors.ts';
import { ACTOR, PRODUCTION, keyOf, modelRef, type PersonaModelContext } from './context.ts';
import type { ResolvedSpec } from './defaults.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { FIELD_MANAGER } from '../shared/labels.ts';
import { ensureServiceAccount } from '../shared/service-accounts.ts';
import { endpointFor, predictorName } from './naming.ts';
import {
  buildPredictorDeployment,
  buildPredictorHpa,
  buildPredictorPdb,
  buildPredictorService,
} from './objects/predictor.ts';
import { APPLIED_HASH_ANNOTATION, ensurePredictorService, type ServiceState } from './predictor-service.ts';
import { rolloutState, servingTarget, type RolloutState } from './rollout.ts';
import { rolledBackFrom, type RolloutObservation } from './status.ts';

/** On the Deployment: the HPA and PDB applied with it, by hash ('none': made sure there is none). */
export const APPLIED_PARTS_ANNOTATION = `${GROUP}/applied-parts`;
/** Grace beyond progressDeadlineSeconds before the operator's own clock calls a rollout stalled. */
const BACKSTOP_SECONDS = 10;

export interface RolloutStepResult {
  observed: RolloutObservation;
  requeueAfterMs?: number;
}

const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const iso = (ms: number) => new Date(ms).toISOString();

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

const hashOf = (x: unknown) => createHash('sha256').update(canonicalJson(x)).digest('hex').slice(0, 16);

interface AppliedParts {
  hpa: string;
  pdb: string;
}

function appliedParts(deploy: V1Deployment | undefined): Partial<AppliedParts> {
  try {
    const parsed: unknown = JSON.parse(deploy?.metadata?.annotations?.[APPLIED_PARTS_ANNOTATION] ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<AppliedParts>) : {};
  } catch {
    return {};
  }
}

type PredictorContext = Pick<
  PersonaModelContext,
  'clients' | 'deployments' | 'services' | 'config' | 'logger' | 'clock'
>;

export interface AppliedPredictor {
  deploy: V1Deployment;
  service: ServiceState;
}

/**
 * Applies the predictor objects for `version`, each only if it is not applied as it should be.
 * The Service is written in the background and checked against its own cache (its hash
 * annotation): see predictor-service.ts. The Deployment's hash vouches for the HPA and PDB, so
 * those are written first, and only when their recorded hash changed.
 */
export async function applyPredictor(
  ctx: PredictorContext,
  model: PersonaModel,
  spec: ResolvedSpec,
  version: number,
): Promise<AppliedPredictor> {
  const { namespace } = modelRef(model);
  const name = predictorName(model.metadata.name!);
  const deploy = buildPredictorDeployment(model, spec, ctx.config, version);
  const service = buildPredictorService(model);
  const hpa = buildPredictorHpa(model, spec);
  const pdb = buildPredictorPdb(model, spec);
  // Over all four objects: the hashes Deployments carry already stay valid.
  const hash = hashOf({ deploy, service, hpa, pdb });
  const key = keyOf(namespace, name);
  const serviceState = ensurePredictorService(ctx, key, service, hashOf(service));
  const current = ctx.deployments.get(key);
  if (current?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash) {
    return { deploy: current, service: serviceState };
  }
  const common = { name, namespace, fieldManager: FIELD_MANAGER, force: true };
  const parts: AppliedParts = { hpa: hpa ? hashOf(hpa) : 'none', pdb: pdb ? hashOf(pdb) : 'none' };
  // A model that never rolled out and has no Deployment has no HPA or PDB of ours to delete:
  // they are written only beside its Deployment and are owned by the model. Skipping the two
  // deletes takes a round trip off the first rollout.
  const fresh = !current && model.status?.rollout === undefined && model.status?.servingVersion === undefined;
  const before: Partial<AppliedParts> = fresh ? { hpa: 'none', pdb: 'none' } : appliedParts(current);
  await ensureServiceAccount(ctx, namespace, ctx.config.predictorServiceAccount);
  await Promise.all([
    before.hpa === parts.hpa
      ? undefined
      : hpa
        ? ctx.clients.autoscaling.patchNamespacedHorizontalPodAutoscaler({ ...common, body: hpa }, apply)
        : ignoreNotFound(
            ctx.clients.autoscaling.deleteNamespacedHorizontalPodAutoscaler({ name, namespace }),
          ),
    before.pdb === parts.pdb
      ? undefined
      : pdb
        ? ctx.clients.policy.patchNamespacedPodDisruptionBudget({ ...common, body: pdb }, apply)
        : ignoreNotFound(ctx.clients.policy.deleteNamespacedPodDisruptionBudget({ name, namespace })),
  ]);
  deploy.metadata = {
    ...deploy.metadata,
    annotations: {
      ...deploy.metadata?.annotations,
      [APPLIED_HASH_ANNOTATION]: hash,
      [APPLIED_PARTS_ANNOTATION]: canonicalJson(parts),
    },
  };
  const applied = await ctx.clients.apps.patchNamespacedDeployment({ ...common, body: deploy }, apply);
  ctx.deployments.remember(key, applied);
  return { deploy: applied, service: serviceState };
}

async function rollBack(
  ctx: PersonaModelContext,
  model: PersonaModel,
  spec: ResolvedSpec,
  lastGood: number | undefined,
  failed: number,
  stalled: RolloutState,
  production: number | undefined,
): Promise<RolloutStepResult> {
  const ref = modelRef(model);
  const reason =
    `version ${failed} did not become ready within ${spec.serving.progressDeadlineSeconds}s (${stalled.message}); ` +
    (lastGood !== undefined ? `rolled back to version ${lastGood}` : 'no earlier version to roll back to');
  let productionVersion = production;
  // The registry must not name a version as production that serves nothing.
  if (production === failed && lastGood !== undefined && spec.serving.version === undefined) {
    await ctx.registry.setAlias(ref, PRODUCTION, lastGood, { actor: ACTOR, reason, expectedVersion: failed });
    productionVersion = lastGood;
  }
  const record = {
    targetVersion: lastGood,
    startTime: iso(ctx.clock.now()),
    failedVersion: failed,
    message: reason,
  };
  ctx.logger.warn(
    { model: keyOf(ref.namespace, ref.name), failed, lastGood },
    'rollout stalled; rolled back',
  );
  ctx.events.record(model, 'Warning', 'RolledBack', reason);
  if (lastGood === undefined) return { observed: { productionVersion, record, state: stalled } };
  const { deploy } = await applyPredictor(ctx, model, spec, lastGood);
  return {
    observed: { productionVersion, record, state: rolloutState(deploy, lastGood), targetVersion: lastGood },
  };
}

export async function rolloutStep(
  ctx: PersonaModelContext,
  model: PersonaModel,
  spec: ResolvedSpec,
  previous: Pick<PersonaModelStatus, 'rollout' | 'servingVersion'>,
  /** The registry's production version, as read (or just set) by this reconcile. */
  production: number | undefined,
): Promise<RolloutStepResult> {
  const ref = modelRef(model);
  const now = ctx.clock.now();
  const pinned = spec.serving.version;
  const serving = previous.servingVersion;
  const wanted = pinned ?? production;
  let failed = previous.rollout?.failedVersion;
  // A failure is forgotten once something new is wanted; until then the model stays Degraded
  // on the last good version instead of retrying the failed one in a loop.
  if (failed !== undefined && wanted !== failed && wanted !== serving) failed = undefined;
  const remembered = failed !== undefined ? rolledBackFrom(previous.rollout) : undefined;
  const target = servingTarget({ pinned, production, failedVersion: failed, serving });
  if (target.version === undefined) {
    const record = remembered ? { ...previous.rollout, failedVersion: remembered.version } : undefined;
    return { observed: { productionVersion: production, record } };
  }
  const version = target.version;
  const { deploy, service } = await applyPredictor(ctx, model, spec, version);
  let record: RolloutStatus;
  if (previous.rollout?.targetVersion !== version || !previous.rollout.startTime) {
    record = {
      targetVersion: version,
      startTime: iso(now),
      ...(remembered ? { failedVersion: remembered.version, message: remembered.reason } : {}),
    };
    if (serving !== version)
      ctx.events.record(model, 'Normal', 'RollingOut', `rolling out version ${version}: ${target.reason}`);
  } else {
    record = { ...previous.rollout };
    if (!remembered) delete record.failedVersion;
  }
  let state = rolloutState(deploy, version);
  const deadlineMs = (spec.serving.progressDeadlineSeconds + BACKSTOP_SECONDS) * 1000;
  const started = Date.parse(record.startTime!);
  if (state.state === 'Progressing' && now - started >= deadlineMs) {
    state = { state: 'Stalled', message: `${state.message} after ${Math.round((now - started) / 1000)}s` };
  }
  if (state.state === 'Stalled' && version !== serving && !remembered) {
    return rollBack(ctx, model, spec, serving, version, state, production);
  }
  // Ready pods serve nobody without their Service: not Serving until it is applied, and
  // looked at again soon, since no event of the Deployment will come to say so.
  let recheckAfterMs: number | undefined;
  if (state.state === 'Complete' && !service.ready) {
    state = { state: 'Progressing', message: service.message ?? 'waiting for the predictor Service' };
    recheckAfterMs = service.recheckAfterMs;
  }
  // While a rollback is remembered, the record's message keeps saying why.
  if (!remembered) record.message = state.message;
  if (state.state !== 'Complete') {
    const deadline = Math.max(0, started + deadlineMs - now);
    return {
      observed: { productionVersion: production, record, state, targetVersion: version },
      requeueAfterMs:
        state.state === 'Progressing' ? Math.min(deadline, recheckAfterMs ?? deadline) : undefined,
    };
  }
  if (serving !== version) {
    ctx.events.record(model, 'Normal', 'RolloutComplete', `serving version ${version}: ${state.message}`);
  }
  let productionVersion = production;
  let pinPromotion: PromotionStatus | undefined;
  if (pinned === version && production !== version) {
    const reason = `spec.serving.version pins version ${version}`;
    await ctx.registry.setAlias(ref, PRODUCTION, version, {
      actor: ACTOR,
      reason,
      expectedVersion: production ?? null,
    });
    productionVersion = version;
    pinPromotion = { version, decision: 'Promoted', reason, time: iso(now) };
    ctx.events.record(model, 'Normal', 'Promoted', reason);
  }
  return {
    observed: {
      productionVersion,
      record,
      state,
      targetVersion: version,
      servingVersion: version,
      endpoint: endpointFor(model),
      pinPromotion,
    },
  };
}
