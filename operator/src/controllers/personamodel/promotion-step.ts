// Promotion: judges each newly trained version once with the gate and records the decision
// in the registry (the production alias and its event, or a refusal event), in status and
// as an Event. Every write is safe to repeat after a crash: an alias already pointing at the
// candidate changes nothing, and a refusal already recorded is not recorded twice.
import { personaChanges, summarizeDiff, type PersonaDiff } from '@persona-operator/core/personas/diff';
import type { AliasEvent, ModelVersion } from '@persona-operator/registry';
import type {
  LastTrainingStatus,
  PersonaDiffStatus,
  PersonaModel,
  PromotionStatus,
} from '../../api/v1alpha1/personamodel.ts';
import { failpoint } from '../../runtime/failpoints.ts';
import { ACTOR, PRODUCTION, modelRef, type PersonaModelContext } from './context.ts';
import type { ResolvedSpec } from './defaults.ts';
import { promotionGate } from './promotion.ts';
import type { PromotionObservation } from './status.ts';

/** The candidate's diff as status shows it: rounded figures, the changes and one line. */
export function personaDiffStatus(diff: PersonaDiff): PersonaDiffStatus {
  return {
    fromVersion: diff.fromVersion,
    ...(diff.churn === null ? {} : { churn: `${(diff.churn * 100).toFixed(1)}%` }),
    ...(diff.adjustedRandIndex === null ? {} : { adjustedRandIndex: diff.adjustedRandIndex.toFixed(3) }),
    changes: personaChanges(diff),
    summary: summarizeDiff(diff),
  };
}

const findEvent = (events: AliasEvent[], action: AliasEvent['action'], version: number) =>
  events.find((e) => e.action === action && e.toVersion === version);

/** What the reconcile has already read from the registry, so it is not read again. */
export interface KnownVersions {
  /** The production version as the reconcile read it. */
  production?: ModelVersion;
  /** The version the training Job registered, when this reconcile saw it succeed. */
  trained?: ModelVersion;
}

/** Judges the last trained version unless it has been judged; undefined when nothing was judged. */
export async function promotionStep(
  ctx: PersonaModelContext,
  model: PersonaModel,
  spec: ResolvedSpec,
  last: LastTrainingStatus | undefined,
  lastPromotion: PromotionStatus | undefined,
  known: KnownVersions,
): Promise<PromotionObservation | undefined> {
  if (last?.result !== 'Succeeded' || last.version === undefined) return undefined;
  if (lastPromotion?.version === last.version) return undefined; // judged already
  const ref = modelRef(model);
  const candidate =
    known.trained?.version === last.version
      ? known.trained
      : await ctx.registry.getVersion({ ...ref, version: last.version });
  const production = known.production;
  // The training Job stored it when it registered the candidate while production served.
  const diff =
    production && production.version !== candidate.version
      ? (await ctx.registry.getVersionDiff(ref, production.version, candidate.version))?.diff
      : undefined;
  const gate = promotionGate(
    { version: candidate.version, silhouette: candidate.metrics.silhouette },
    production && { version: production.version, silhouette: production.metrics.silhouette },
    spec.promotion,
    diff,
  );
  let reason = gate.reason;
  if (gate.decision === 'Promoted') {
    if (production?.version === candidate.version) {
      // Promoted before a crash lost the status write: report the reason given then.
      const events = await ctx.registry.listAliasEvents(ref, { alias: PRODUCTION, limit: 50 });
      reason = findEvent(events, 'promote', candidate.version)?.reason ?? reason;
    } else {
      await ctx.registry.setAlias(ref, PRODUCTION, candidate.version, {
        actor: ACTOR,
        reason,
        // Compare-and-set: someone moving the alias meanwhile makes this fail and retry.
        expectedVersion: production?.version ?? null,
      });
      failpoint('after-promotion');
    }
  } else if (gate.decision === 'Refused') {
    const events = await ctx.registry.listAliasEvents(ref, { alias: PRODUCTION, limit: 50 });
    if (!findEvent(events, 'refuse', candidate.version)) {
      await ctx.registry.recordRefusal(ref, PRODUCTION, candidate.version, { actor: ACTOR, reason });
    }
  }
  const judged: PromotionStatus = {
    version: candidate.version,
    decision: gate.decision,
    reason,
    time: new Date(ctx.clock.now()).toISOString(),
    ...(diff ? { personaDiff: personaDiffStatus(diff) } : {}),
  };
  if (diff) ctx.events.record(model, 'Normal', 'PersonaDiff', summarizeDiff(diff));
  if (gate.decision === 'Promoted') {
    ctx.events.record(model, 'Normal', 'Promoted', reason);
  } else if (gate.decision === 'Refused') {
    ctx.events.record(model, 'Warning', 'PromotionRefused', reason);
  } else {
    ctx.events.record(model, 'Normal', 'AwaitingManualPromotion', reason);
  }
  return {
    lastPromotion: judged,
    ...(gate.decision === 'Promoted' ? { productionVersion: candidate.version } : {}),
  };
}
