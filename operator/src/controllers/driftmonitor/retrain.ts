// Whether a drift run retrains the model: only on drift, only when the monitor asks for it,
// never while the model trains already, and not again within the cooldown.
import type { V1Job } from '@kubernetes/client-node';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { RETRAIN_ANNOTATION } from '../../api/v1alpha1/common.ts';
import { COMPONENT_LABEL, MODEL_LABEL } from '../shared/labels.ts';
import { parseDuration } from '@persona-operator/core/time/duration';
import type { ResolvedMonitorSpec } from './defaults.ts';

export interface RetrainInputs {
  now: Date;
  driftDetected: boolean;
  reportId: number;
  action: ResolvedMonitorSpec['action'];
  /** status.lastRetrainTriggered of the monitor. */
  lastRetrainTriggered?: string;
  /** The PersonaModel, if it exists. */
  model: PersonaModel | undefined;
  /** Training Jobs of that model that have not finished. */
  activeTrainingJobs: readonly string[];
}

export type RetrainDecision =
  | { retrain: true; token: string; message: string }
  | {
      retrain: false;
      reason:
        'NoDrift' | 'RetrainDisabled' | 'ModelNotFound' | 'ModelTraining' | 'Cooldown' | 'AlreadyRequested';
      message: string;
    };

/** The retrain annotation value a report asks for: one report retrains at most once. */
export const retrainToken = (reportId: number): string => `drift-${reportId}`;

export function decideRetrain(i: RetrainInputs): RetrainDecision {
  if (!i.driftDetected) return { retrain: false, reason: 'NoDrift', message: 'no drift: nothing to retrain' };
  if (!i.action.retrain) {
    return { retrain: false, reason: 'RetrainDisabled', message: 'spec.action.retrain is off' };
  }
  if (!i.model) {
    return { retrain: false, reason: 'ModelNotFound', message: 'the PersonaModel does not exist' };
  }
  const token = retrainToken(i.reportId);
  if (i.model.metadata.annotations?.[RETRAIN_ANNOTATION] === token) {
    return { retrain: false, reason: 'AlreadyRequested', message: `retrain ${token} was already requested` };
  }
  const training =
    i.model.status?.phase === 'Training' || i.model.status?.lastTraining?.result === 'Running'
      ? [i.model.status?.lastTraining?.jobName ?? 'a training Job']
      : i.activeTrainingJobs;
  if (training.length > 0) {
    return {
      retrain: false,
      reason: 'ModelTraining',
      message: `not retraining: the model is training already (${training.join(', ')})`,
    };
  }
  const cooldownMs = parseDuration(i.action.cooldown, 'spec.action.cooldown');
  if (i.lastRetrainTriggered) {
    const until = new Date(new Date(i.lastRetrainTriggered).getTime() + cooldownMs);
    if (i.now.getTime() < until.getTime()) {
      return {
        retrain: false,
        reason: 'Cooldown',
        message: `not retraining: last retrain at ${i.lastRetrainTriggered}, cooldown until ${until.toISOString()}`,
      };
    }
  }
  return { retrain: true, token, message: `drift report ${i.reportId}: retraining (annotation ${token})` };
}

/** Training Jobs of the model that have neither completed nor failed. */
export function activeTrainingJobs(jobs: readonly V1Job[], namespace: string, model: string): string[] {
  return jobs
    .filter(
      (j) =>
        j.metadata?.namespace === namespace &&
        j.metadata?.labels?.[MODEL_LABEL] === model &&
        j.metadata?.labels?.[COMPONENT_LABEL] === 'training' &&
        !(j.status?.conditions ?? []).some(
          (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
        ),
    )
    .map((j) => j.metadata!.name!);
}
