// The next PersonaModel status as a pure function of the stored one and what this reconcile's
// steps observed. Only this module sets phase and conditions, so every path (success, bad
// spec, registry outage) reports by the same rules.
import type {
  LastTrainingStatus,
  PersonaModelPhase,
  PersonaModelStatus,
  PromotionStatus,
  RolloutStatus,
} from '../../api/v1alpha1/personamodel.ts';
import { isConditionTrue, setCondition, type Condition } from '../../runtime/conditions.ts';
import type { RolloutState } from './rollout.ts';

/** What the training step found or did. */
export interface TrainingObservation {
  /** The training record after this step: unchanged, adopted, finished or newly started. */
  lastTraining?: LastTrainingStatus;
  /** The retrain token acted upon in this step, if any. */
  retrainToken?: string;
}

/** A trained version judged by the promotion gate in this reconcile. */
export interface PromotionObservation {
  lastPromotion: PromotionStatus;
  /** Set when the judgement moved the production alias. */
  productionVersion?: number;
}

/** What the rollout step found or did. */
export interface RolloutObservation {
  /** The production alias as the registry holds it after this step. */
  productionVersion?: number;
  /** The rollout record to keep; undefined clears it. */
  record?: RolloutStatus;
  /** How far the Deployment is with `targetVersion`. */
  state?: RolloutState;
  targetVersion?: number;
  /** Set once the target version's pods are all ready. */
  servingVersion?: number;
  endpoint?: string;
  /** A pin in spec.serving.version moved the production alias. */
  pinPromotion?: PromotionStatus;
}

/** Something retrying cannot fix, or an outage (registry unreachable): what and why. */
export interface Problem {
  reason: string;
  message: string;
  permanent: boolean;
}

/** Everything one reconcile observed; a step missing here did not run (or did not finish). */
export interface Observations {
  training?: TrainingObservation;
  promotion?: PromotionObservation;
  rollout?: RolloutObservation;
  /** The registry's newest version, once read (`version` undefined: none yet). */
  latest?: { version?: number };
  problem?: Problem;
}

export interface RolledBack {
  version: number;
  reason: string;
}

/** The rollback a rollout record remembers: the version that failed and why. */
export function rolledBackFrom(record: RolloutStatus | undefined): RolledBack | undefined {
  const failed = record?.failedVersion;
  if (failed === undefined) return undefined;
  return { version: failed, reason: record?.message ?? `version ${failed} did not become ready` };
}

const maxDefined = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/** The status fields the steps own, with the observations applied in step order. */
function applyObservations(previous: PersonaModelStatus, o: Observations): PersonaModelStatus {
  const next: PersonaModelStatus = { ...previous };
  if (o.training) {
    next.lastTraining = o.training.lastTraining;
    if (o.training.retrainToken !== undefined) next.retrainToken = o.training.retrainToken;
    next.latestVersion = maxDefined(next.latestVersion, o.training.lastTraining?.version);
  }
  if (o.promotion) {
    next.lastPromotion = o.promotion.lastPromotion;
    if (o.promotion.productionVersion !== undefined) next.productionVersion = o.promotion.productionVersion;
  }
  if (o.rollout) {
    next.productionVersion = o.rollout.productionVersion;
    next.rollout = o.rollout.record;
    if (o.rollout.servingVersion !== undefined) next.servingVersion = o.rollout.servingVersion;
    if (o.rollout.endpoint !== undefined) next.endpoint = o.rollout.endpoint;
    if (o.rollout.pinPromotion) next.lastPromotion = o.rollout.pinPromotion;
  }
  if (o.latest) next.latestVersion = o.latest.version;
  return next;
}

/** What the phase and conditions are judged from. */
interface Verdict {
  training?: LastTrainingStatus;
  promotion?: PromotionStatus;
  rollout?: RolloutState;
  servingVersion?: number;
  targetVersion?: number;
  rolledBack?: RolledBack;
  problem?: Problem;
}

function verdictOf(previous: PersonaModelStatus, next: PersonaModelStatus, o: Observations): Verdict {
  let rollout = o.rollout?.state;
  let targetVersion = o.rollout?.targetVersion;
  // A problem stopped the reconcile before the rollout was looked at: pods that were serving
  // keep serving (they loaded their model), so Ready stays as last observed.
  if (!o.rollout && next.servingVersion !== undefined && isConditionTrue(previous.conditions, 'Ready')) {
    rollout = { state: 'Complete', message: next.rollout?.message ?? `version ${next.servingVersion} ready` };
    targetVersion = next.servingVersion;
  }
  return {
    training: next.lastTraining,
    promotion: next.lastPromotion,
    rollout,
    servingVersion: next.servingVersion,
    targetVersion,
    rolledBack: rolledBackFrom(next.rollout),
    problem: o.problem,
  };
}

function phaseOf(v: Verdict): PersonaModelPhase {
  if (v.problem?.permanent) return 'Failed';
  if (v.problem || v.rolledBack || v.rollout?.state === 'Stalled') return 'Degraded';
  if (v.training?.result === 'Running') return 'Training';
  if (v.servingVersion !== undefined && v.rollout?.state === 'Complete') return 'Serving';
  if (v.training?.result === 'Failed' && v.servingVersion === undefined) return 'Failed';
  return v.servingVersion !== undefined ? 'Serving' : 'Pending';
}

function conditionsOf(
  previous: readonly Condition[] | undefined,
  v: Verdict,
  generation: number | undefined,
  now: Date,
): Condition[] {
  let list = [...(previous ?? [])];
  const set = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string) => {
    list = setCondition(list, { type, status, reason, message }, generation, now);
  };

  const t = v.training;
  if (!t) set('Trained', 'False', 'NotTrained', 'no training has run yet');
  else if (t.result === 'Running') set('Trained', 'False', 'Training', `Job ${t.jobName} is running`);
  else if (t.result === 'Failed')
    set('Trained', 'False', t.reason ?? 'TrainingFailed', t.message ?? `Job ${t.jobName} failed`);
  else
    set(
      'Trained',
      'True',
      'Trained',
      t.message ?? `version ${t.version ?? '?'} registered by Job ${t.jobName}`,
    );

  const p = v.promotion;
  if (!p) set('Promoted', 'False', 'NoCandidate', 'no trained version has been judged yet');
  else if (p.decision === 'Promoted') set('Promoted', 'True', 'Promoted', p.reason);
  else if (p.decision === 'Refused') set('Promoted', 'False', 'Refused', p.reason);
  else set('Promoted', 'False', 'AwaitingManual', p.reason);

  const r = v.rollout;
  if (v.servingVersion !== undefined && r?.state === 'Complete' && v.targetVersion === v.servingVersion) {
    set('Ready', 'True', 'Serving', `version ${v.servingVersion} is ready: ${r.message}`);
  } else if (v.servingVersion !== undefined && v.rolledBack) {
    set('Ready', 'True', 'ServingLastGood', `serving version ${v.servingVersion} after a rollback`);
  } else if (r) {
    set('Ready', 'False', r.state === 'Stalled' ? 'RolloutStalled' : 'RollingOut', r.message);
  } else {
    set('Ready', 'False', 'NothingToServe', 'no version is promoted or pinned yet');
  }

  if (v.problem) set('Degraded', 'True', v.problem.reason, v.problem.message);
  else if (v.rolledBack) set('Degraded', 'True', 'RolledBack', v.rolledBack.reason);
  else if (r?.state === 'Stalled') set('Degraded', 'True', 'RolloutStalled', r.message);
  else set('Degraded', 'False', 'AsExpected', '');
  return list;
}

/** The status to write: the stored one with the observations applied, its phase and conditions. */
export function nextStatus(
  previous: PersonaModelStatus | undefined,
  observations: Observations,
  generation: number | undefined,
  now: Date,
): PersonaModelStatus {
  const before = previous ?? {};
  const next = applyObservations(before, observations);
  const verdict = verdictOf(before, next, observations);
  return {
    ...next,
    observedGeneration: generation,
    phase: phaseOf(verdict),
    conditions: conditionsOf(before.conditions, verdict, generation, now),
  };
}
