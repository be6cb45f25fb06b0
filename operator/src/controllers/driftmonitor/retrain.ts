// Whether a drift run retrains the model: only on drift, only when the monitor asks for it, on
// enough current rows, never while the model trains already, and not again within the
// cooldown; and, when it does, the request the model's controller reads the data from.
import type { V1Job } from '@kubernetes/client-node';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { RETRAIN_ANNOTATION } from '../../api/v1alpha1/common.ts';
import { COMPONENT_LABEL, MODEL_LABEL } from '../shared/labels.ts';
import { parseDuration } from '@persona-operator/core/time/duration';
import type { DriftReport } from '@persona-operator/registry';
import type { RetrainRequest } from '../shared/retrain-request.ts';
import type { ResolvedMonitorSpec } from './defaults.ts';

export interface RetrainInputs {
  now: Date;
  driftDetected: boolean;
  reportId: number;
  /** Rows the run read as current data. */
  currentRows: number;
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
        | 'NoDrift'
        | 'RetrainDisabled'
        | 'TooFewRows'
        | 'ModelNotFound'
        | 'ModelTraining'
        | 'Cooldown'
        | 'AlreadyRequested';
      message: string;
    };

/** A decision with the report it is about and the data the monitor retrains on. */
export type RetrainObservation = RetrainDecision & { reportId: number; data?: string };

/** The retrain annotation value a report asks for: one report retrains at most once. */
export const retrainToken = (reportId: number): string => `drift-${reportId}`;

export function decideRetrain(i: RetrainInputs): RetrainDecision {
  if (!i.driftDetected) return { retrain: false, reason: 'NoDrift', message: 'no drift: nothing to retrain' };
  const settings = i.action.retrain;
  if (!settings) {
    return { retrain: false, reason: 'RetrainDisabled', message: 'spec.action.retrain is not set' };
  }
  if (i.currentRows < settings.minRows) {
    return {
      retrain: false,
      reason: 'TooFewRows',
      message: `not retraining: the current data has ${i.currentRows} rows, fewer than spec.action.retrain.minRows (${settings.minRows})`,
    };
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
  return {
    retrain: true,
    token,
    message: `drift report ${i.reportId}: retraining on ${settings.data} data (annotation ${token})`,
  };
}

/** A number the drift Job stored in the report's summary, if it is one. */
function summaryNumber(report: DriftReport, key: string): number | undefined {
  const v = report.summary[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Rows the report's run read as current data. */
export const reportCurrentRows = (report: DriftReport): number => summaryNumber(report, 'currentRows') ?? 0;

/** The window of logged predictions the report's run read. */
function reportWindow(report: DriftReport, windowSeconds: number): { from: string; to: string } {
  const { windowFrom, windowTo } = report.summary;
  if (typeof windowFrom === 'string' && typeof windowTo === 'string')
    return { from: windowFrom, to: windowTo };
  // A report stored without its bounds: the window ended about when the report was stored.
  const to = report.createdAt;
  return { from: new Date(to.getTime() - windowSeconds * 1000).toISOString(), to: to.toISOString() };
}

/** What the model's controller needs to train on the data this report found drifted. */
export function retrainRequest(
  spec: ResolvedMonitorSpec,
  monitorName: string,
  report: DriftReport,
  token: string,
): RetrainRequest {
  const { postgres, predictions } = spec.current;
  const windowSeconds = predictions
    ? parseDuration(predictions.window, 'spec.current.predictions.window') / 1000
    : 0;
  return {
    token,
    monitor: monitorName,
    reportId: report.id,
    data: spec.action.retrain?.data ?? 'Model',
    current: postgres
      ? { postgres: { secretRef: postgres.secretRef, query: postgres.query } }
      : { predictions: reportWindow(report, windowSeconds) },
    currentRows: reportCurrentRows(report),
  };
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
