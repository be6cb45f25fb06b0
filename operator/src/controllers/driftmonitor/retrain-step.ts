// Acts on a finished run's retrain decision: annotates the PersonaModel with the retrain token
// and its request (which data) when the run asks for a retrain, and says why when it does not.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { DriftReport } from '@persona-operator/registry';
import { GROUP, VERSION } from '../../api/v1alpha1/common.ts';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import { PERSONA_MODEL_PLURAL } from '../../api/v1alpha1/personamodel.ts';
import { keyOf, type DriftMonitorContext } from './context.ts';
import type { ResolvedMonitorSpec } from './defaults.ts';
import { retrainRequestAnnotations } from '../shared/retrain-request.ts';
import { objectsOfModel } from '../shared/model-index.ts';
import {
  activeTrainingJobs,
  decideRetrain,
  reportCurrentRows,
  retrainRequest,
  type RetrainObservation,
} from './retrain.ts';

/** Reasons not to retrain that a person may want to know of (the others are the spec's wish). */
const NOTABLE_SKIPS = new Set(['ModelTraining', 'Cooldown', 'ModelNotFound', 'TooFewRows']);

/** Decides whether `report` retrains the model and, if so, asks for it; returns the decision. */
export async function retrainStep(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  spec: ResolvedMonitorSpec,
  lastRetrainTriggered: string | undefined,
  report: DriftReport,
  now: Date,
): Promise<RetrainObservation> {
  const namespace = monitor.metadata.namespace!;
  const modelName = spec.modelRef.name;
  const model = ctx.models.get(keyOf(namespace, modelName));
  const decision = decideRetrain({
    now,
    driftDetected: report.driftDetected,
    reportId: report.id,
    currentRows: reportCurrentRows(report),
    action: spec.action,
    lastRetrainTriggered,
    model,
    activeTrainingJobs: activeTrainingJobs(
      objectsOfModel(ctx.jobs, namespace, modelName),
      namespace,
      modelName,
    ),
  });
  const about = { reportId: report.id, data: spec.action.retrain?.data };
  if (!decision.retrain) {
    if (NOTABLE_SKIPS.has(decision.reason)) {
      ctx.events.record(monitor, 'Normal', 'RetrainSkipped', decision.message);
    }
    return { ...decision, ...about };
  }
  const request = retrainRequest(spec, monitor.metadata.name!, report, decision.token);
  // A merge patch touches only these annotations, whatever else changes on the model meanwhile.
  await ctx.clients.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PERSONA_MODEL_PLURAL,
      name: modelName,
      body: { metadata: { annotations: retrainRequestAnnotations(request) } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  ctx.logger.info(
    {
      monitor: keyOf(namespace, monitor.metadata.name!),
      model: modelName,
      token: decision.token,
      data: request.data,
    },
    'retrain requested',
  );
  ctx.events.record(monitor, 'Normal', 'RetrainTriggered', `PersonaModel ${modelName}: ${decision.message}`);
  if (model) {
    ctx.events.record(
      model,
      'Normal',
      'RetrainRequested',
      `DriftMonitor ${monitor.metadata.name} found drift (report ${report.id}): retrain on ${request.data} data`,
    );
  }
  return { ...decision, ...about };
}
