// The promotion gate: a pure function of the candidate's and production's metrics, the
// candidate's persona diff against production and the policy, returning the decision and a
// reason a person can read in status and Events.
import { personaChanges, summarizeDiff, type PersonaDiff } from '@persona-operator/core/personas/diff';
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
const percent = (x: number) => `${(Math.round(x * 1000) / 10).toString()}%`;

type StabilityRules = Pick<ResolvedPromotion, 'maxPersonaChurn' | 'allowPersonaChanges'>;

/** The defaults (any churn, any persona change) leave the silhouette gate as the only judge. */
const stabilityRulesSet = (p: StabilityRules) => p.maxPersonaChurn < 1 || !p.allowPersonaChanges;

/**
 * Why the stability rules refuse the candidate, or undefined when they let it through. Only
 * meaningful with a production version: the first version has nothing to be stable against.
 */
export function stabilityRefusal(
  candidate: number,
  production: number,
  diff: PersonaDiff | undefined,
  rules: StabilityRules,
): string | undefined {
  if (!stabilityRulesSet(rules)) return undefined;
  if (!diff) {
    return `version ${candidate} has no persona diff against production version ${production} to judge maxPersonaChurn and allowPersonaChanges by (its features differ, or the training Job stored none)`;
  }
  if (!rules.allowPersonaChanges) {
    const changes = personaChanges(diff);
    if (changes.length > 0) {
      return `version ${candidate} changes personas against production version ${production} (${changes.join('; ')}) and allowPersonaChanges is false`;
    }
  }
  if (rules.maxPersonaChurn < 1) {
    if (diff.churn === null) {
      return `version ${candidate} has no sample rows to measure churn against production version ${production} by, and maxPersonaChurn is ${percent(rules.maxPersonaChurn)}`;
    }
    if (diff.churn > rules.maxPersonaChurn) {
      return `version ${candidate} churn ${percent(diff.churn)} of ${diff.sample.rows} rows is above maxPersonaChurn ${percent(rules.maxPersonaChurn)} by ${(Math.round((diff.churn - rules.maxPersonaChurn) * 1000) / 10).toString()} percentage points`;
    }
  }
  return undefined;
}

/** What the stability rules checked, for a promotion's reason; empty when they are off. */
function stabilityPassed(diff: PersonaDiff | undefined, rules: StabilityRules): string {
  if (!stabilityRulesSet(rules) || !diff) return '';
  const parts: string[] = [];
  if (rules.maxPersonaChurn < 1 && diff.churn !== null) {
    parts.push(`churn ${percent(diff.churn)} <= maxPersonaChurn ${percent(rules.maxPersonaChurn)}`);
  }
  if (!rules.allowPersonaChanges) parts.push('no persona changes');
  return parts.length ? `; ${parts.join(', ')}` : '';
}

export function promotionGate(
  candidate: VersionScore,
  production: VersionScore | undefined,
  policy: ResolvedPromotion,
  diff?: PersonaDiff,
): GateDecision {
  const judged = silhouetteGate(candidate, production, policy, diff);
  if (judged.decision !== 'Promoted' || !production || production.version === candidate.version) {
    return judged;
  }
  const refusal = stabilityRefusal(candidate.version, production.version, diff, policy);
  if (refusal) return { decision: 'Refused', reason: refusal };
  return { decision: 'Promoted', reason: `${judged.reason}${stabilityPassed(diff, policy)}` };
}

function silhouetteGate(
  candidate: VersionScore,
  production: VersionScore | undefined,
  policy: ResolvedPromotion,
  diff: PersonaDiff | undefined,
): GateDecision {
  if (production?.version === candidate.version) {
    return { decision: 'Promoted', reason: `version ${candidate.version} is already production` };
  }
  if (policy.policy === 'Manual') {
    // The diff is what a person decides on; the rules' verdict says what Automatic would do.
    const refusal = production && stabilityRefusal(candidate.version, production.version, diff, policy);
    return {
      decision: 'AwaitingManual',
      reason: [
        `policy Manual: set spec.serving.version to ${candidate.version} to serve it`,
        ...(diff ? [summarizeDiff(diff)] : []),
        ...(refusal ? [`the stability rules would refuse it: ${refusal}`] : []),
      ].join('; '),
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
