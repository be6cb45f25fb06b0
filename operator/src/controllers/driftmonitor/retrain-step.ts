// Acts on a finished run's retrain decision: annotates the PersonaModel when the run asks for a
// retrain, and says why when it does not.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { DriftReport } from '@persona-operator/registry';
import { GROUP, RETRAIN_ANNOTATION, VERSION } from '../../api/v1alpha1/common.ts';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import { PERSONA_MODEL_PLURAL } from '../../api/v1alpha1/personamodel.ts';
import { keyOf, type DriftMonitorContext } from './context.ts';
import type { ResolvedMonitorSpec } from './defaults.ts';
import { activeTrainingJobs, decideRetrain, type RetrainDecision } from './retrain.ts';

/** Reasons not to retrain that a person may want to know of (the others are the spec's wish). */
const NOTABLE_SKIPS = new Set(['ModelTraining', 'Cooldown', 'ModelNotFound']);

/** Decides whether `report` retrains the model and, if so, asks for it; returns the decision. */
export async function retrainStep(
  ctx: DriftMonitorContext,
  monitor: DriftMonitor,
  spec: ResolvedMonitorSpec,
  lastRetrainTriggered: string | undefined,
  report: DriftReport,
  now: Date,
): Promise<RetrainDecision> {
  const namespace = monitor.metadata.namespace!;
  const modelName = spec.modelRef.name;
  const model = ctx.models.get(keyOf(namespace, modelName));
  const decision = decideRetrain({
    now,
    driftDetected: report.driftDetected,
    reportId: report.id,
    action: spec.action,
    lastRetrainTriggered,
    model,
    activeTrainingJobs: activeTrainingJobs(ctx.jobs.list(), namespace, modelName),
  });
  if (!decision.retrain) {
    if (NOTABLE_SKIPS.has(decision.reason)) {
      await ctx.events.record(monitor, 'Normal', 'RetrainSkipped', decision.message);
    }
    return decision;
  }
  // A merge patch touches only this annotation, whatever else changes on the model meanwhile.
  await ctx.clients.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PERSONA_MODEL_PLURAL,
      name: modelName,
      body: { metadata: { annotations: { [RETRAIN_ANNOTATION]: decision.token } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  ctx.logger.info(
    { monitor: keyOf(namespace, monitor.metadata.name!), model: modelName, token: decision.token },
    'retrain requested',
  );
  await ctx.events.record(
    monitor,
    'Normal',
    'RetrainTriggered',
    `PersonaModel ${modelName}: ${decision.message}`,
  );
  if (model) {
    await ctx.events.record(
      model,
      'Normal',
      'RetrainRequested',
      `DriftMonitor ${monitor.metadata.name} found drift (report ${report.id})`,
    );
  }
  return decision;
}
