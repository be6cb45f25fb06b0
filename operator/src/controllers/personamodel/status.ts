// Phase and conditions derived from what the other steps observed (the readiness step).
import type { Condition } from '../../api/v1alpha1/common.ts';
import type {
  LastTrainingStatus,
  PersonaModelPhase,
  PromotionStatus,
} from '../../api/v1alpha1/personamodel.ts';
import { setCondition } from '../../runtime/conditions.ts';
import type { RolloutState } from './rollout.ts';

export interface Observations {
  training?: LastTrainingStatus;
  promotion?: PromotionStatus;
  rollout?: RolloutState;
  /** Version the ready pods serve. */
  servingVersion?: number;
  /** The version pods should serve. */
  targetVersion?: number;
  /** A rollback happened: the version that failed and why. */
  rolledBack?: { version: number; reason: string };
  /** Something retrying cannot fix, or an outage (registry unreachable): what and why. */
  problem?: { reason: string; message: string; permanent: boolean };
}

export function derivePhase(o: Observations): PersonaModelPhase {
  if (o.problem?.permanent) return 'Failed';
  if (o.problem || o.rolledBack || o.rollout?.state === 'Stalled') return 'Degraded';
  if (o.training?.result === 'Running') return 'Training';
  if (o.servingVersion !== undefined && o.rollout?.state === 'Complete') return 'Serving';
  if (o.training?.result === 'Failed' && o.servingVersion === undefined) return 'Failed';
  return o.servingVersion !== undefined ? 'Serving' : 'Pending';
}

export function deriveConditions(
  previous: readonly Condition[] | undefined,
  o: Observations,
  generation: number | undefined,
  now: Date,
): Condition[] {
  let list = [...(previous ?? [])];
  const set = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string) => {
    list = setCondition(list, { type, status, reason, message }, generation, now);
  };

  const t = o.training;
  if (!t) set('Trained', 'False', 'NotTrained', 'no training has run yet');
  else if (t.result === 'Running') set('Trained', 'False', 'Training', `Job ${t.jobName} is running`);
  else if (t.result === 'Failed')
    set('Trained', 'False', 'TrainingFailed', t.message ?? `Job ${t.jobName} failed`);
  else
    set(
      'Trained',
      'True',
      'Trained',
      t.message ?? `version ${t.version ?? '?'} registered by Job ${t.jobName}`,
    );

  const p = o.promotion;
  if (!p) set('Promoted', 'False', 'NoCandidate', 'no trained version has been judged yet');
  else if (p.decision === 'Promoted') set('Promoted', 'True', 'Promoted', p.reason);
  else if (p.decision === 'Refused') set('Promoted', 'False', 'Refused', p.reason);
  else set('Promoted', 'False', 'AwaitingManual', p.reason);

  const r = o.rollout;
  if (o.servingVersion !== undefined && r?.state === 'Complete' && o.targetVersion === o.servingVersion) {
    set('Ready', 'True', 'Serving', `version ${o.servingVersion} is ready: ${r.message}`);
  } else if (o.servingVersion !== undefined && o.rolledBack) {
    set('Ready', 'True', 'ServingLastGood', `serving version ${o.servingVersion} after a rollback`);
  } else if (r) {
    set('Ready', 'False', r.state === 'Stalled' ? 'RolloutStalled' : 'RollingOut', r.message);
  } else {
    set('Ready', 'False', 'NothingToServe', 'no version is promoted or pinned yet');
  }

  if (o.problem) set('Degraded', 'True', o.problem.reason, o.problem.message);
  else if (o.rolledBack) set('Degraded', 'True', 'RolledBack', o.rolledBack.reason);
  else if (r?.state === 'Stalled') set('Degraded', 'True', 'RolloutStalled', r.message);
  else set('Degraded', 'False', 'AsExpected', '');
  return list;
}
