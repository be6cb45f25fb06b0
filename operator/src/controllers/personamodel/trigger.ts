// Whether to train, as pure policies over gathered inputs (cert-manager's trigger/policies):
// each policy either names a reason to act or passes; the first reason wins.
import { previousFireTime } from '@persona-operator/core/time/cron';
import type { PersonaModelStatus } from '../../api/v1alpha1/personamodel.ts';

export type TriggerReason = 'NoVersion' | 'InputsChanged' | 'RetrainRequested' | 'ScheduleDue';

export interface TriggerInputs {
  now: Date;
  /** trainingInputsHash of the current spec. */
  inputsHash: string;
  /** Value of the personas.dtc.dev/retrain annotation, if set. */
  retrainToken?: string;
  status: PersonaModelStatus | undefined;
  /** Whether the registry holds any version of this model. */
  hasVersion: boolean;
  schedule?: string;
  /** When the PersonaModel was created: a schedule counts from there before the first training. */
  createdAt: Date;
}

export type TriggerDecision =
  | {
      train: true;
      reason: TriggerReason;
      message: string;
      /** Goes into the Job name with the inputs hash: the same decision finds the same Job. */
      token: string;
    }
  | { train: false; message: string };

type Policy = (inputs: TriggerInputs) => TriggerDecision | undefined;

const annotationToken = (i: TriggerInputs) => i.retrainToken ?? '';

const trainingRunning: Policy = (i) =>
  i.status?.lastTraining?.result === 'Running'
    ? { train: false, message: `training Job ${i.status.lastTraining.jobName} is still running` }
    : undefined;

const noVersion: Policy = (i) => {
  if (i.hasVersion) return undefined;
  const last = i.status?.lastTraining;
  if (last?.inputsHash === i.inputsHash) return undefined;
  return {
    train: true,
    reason: 'NoVersion',
    message: 'no version registered yet',
    token: annotationToken(i),
  };
};

const inputsChanged: Policy = (i) => {
  const last = i.status?.lastTraining;
  if (!i.hasVersion || !last || last.inputsHash === i.inputsHash) return undefined;
  return {
    train: true,
    reason: 'InputsChanged',
    message: `training inputs changed (${last.inputsHash} -> ${i.inputsHash})`,
    token: annotationToken(i),
  };
};

const retrainRequested: Policy = (i) => {
  if (!i.retrainToken || i.retrainToken === i.status?.retrainToken) return undefined;
  return {
    train: true,
    reason: 'RetrainRequested',
    message: `retrain requested (token ${JSON.stringify(i.retrainToken)})`,
    token: i.retrainToken,
  };
};

const scheduleDue: Policy = (i) => {
  if (!i.schedule) return undefined;
  let slot: Date;
  try {
    slot = previousFireTime(i.schedule, i.now);
  } catch {
    return undefined; // an unparsable schedule is reported by status, not acted on
  }
  const started = i.status?.lastTraining?.startTime;
  const since = started ? new Date(started) : i.createdAt;
  if (slot.getTime() <= since.getTime()) return undefined;
  return {
    train: true,
    reason: 'ScheduleDue',
    message: `schedule "${i.schedule}" was due at ${slot.toISOString()}`,
    token: `schedule@${slot.toISOString()}`,
  };
};

export const policies: readonly Policy[] = [
  trainingRunning,
  noVersion,
  inputsChanged,
  retrainRequested,
  scheduleDue,
];

export function decideTraining(inputs: TriggerInputs): TriggerDecision {
  for (const policy of policies) {
    const decision = policy(inputs);
    if (decision) return decision;
  }
  return { train: false, message: 'trained model is up to date' };
}
