// The promotion gate: a pure function of the candidate's and production's metrics and the
// policy, returning the decision and a reason a person can read in status and Events.
import type { PromotionDecision } from '../../api/v1alpha1/personamodel.ts';
import type { ResolvedPromotion } from './defaults.ts';

export interface VersionScore {
  version: number;
  /** Silhouette of the version's chosen k; null when it could not be computed. */
  silhouette: number | null;
}

export interface GateDecision {
  decision: PromotionDecision;
  reason: string;
}

const fmt = (x: number) => (Math.round(x * 10000) / 10000).toString();

export function promotionGate(
  candidate: VersionScore,
  production: VersionScore | undefined,
  policy: ResolvedPromotion,
): GateDecision {
  if (production?.version === candidate.version) {
    return { decision: 'Promoted', reason: `version ${candidate.version} is already production` };
  }
  if (policy.policy === 'Manual') {
    return {
      decision: 'AwaitingManual',
      reason: `policy Manual: set spec.serving.version to ${candidate.version} to serve it`,
    };
  }
  const s = candidate.silhouette;
  if (s === null || !Number.isFinite(s)) {
    return {
      decision: 'Refused',
      reason: `version ${candidate.version} has no silhouette score to judge it by`,
    };
  }
  if (s < policy.minSilhouette) {
    return {
      decision: 'Refused',
      reason: `version ${candidate.version} silhouette ${fmt(s)} is below minSilhouette ${fmt(policy.minSilhouette)}`,
    };
  }
  const prod = production?.silhouette;
  if (
    policy.requireImprovement &&
    production &&
    prod !== null &&
    prod !== undefined &&
    Number.isFinite(prod)
  ) {
    const floor = prod - policy.tolerance;
    if (s < floor) {
      return {
        decision: 'Refused',
        reason: `version ${candidate.version} silhouette ${fmt(s)} is worse than production version ${production.version}'s ${fmt(prod)} minus tolerance ${fmt(policy.tolerance)}`,
      };
    }
    return {
      decision: 'Promoted',
      reason: `version ${candidate.version} silhouette ${fmt(s)} >= minSilhouette ${fmt(policy.minSilhouette)} and >= production version ${production.version}'s ${fmt(prod)} minus tolerance ${fmt(policy.tolerance)}`,
    };
  }
  return {
    decision: 'Promoted',
    reason: `version ${candidate.version} silhouette ${fmt(s)} >= minSilhouette ${fmt(policy.minSilhouette)}${production ? '' : ' (no production version yet)'}`,
  };
}
