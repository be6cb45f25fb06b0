// Names and labels of the objects a PersonaModel owns. Names are deterministic so a
// restarted operator finds what it made instead of making it again.
import { createHash } from 'node:crypto';
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, GROUP } from '../../api/v1alpha1/common.ts';
import { PERSONA_MODEL_KIND, type PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { DEFAULT_BATCH_SIZE } from '@persona-operator/core/train/algorithm';
import { canonicalJson } from '../shared/canonical-json.ts';
import { COMPONENT_LABEL, MANAGED_BY, MODEL_LABEL } from '../shared/labels.ts';
import type { ResolvedSpec } from './defaults.ts';

export const INPUTS_HASH_LABEL = `${GROUP}/inputs-hash`;
export const VERSION_LABEL = `${GROUP}/version`;

/** Job names end up in pod labels (job-name), so they must fit a 63-character label. */
const LABEL_MAX = 63;
const HASH_LEN = 10;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Hash of what determines a trained model: features, personas, data, mode, k, nInit, seed,
 * algorithm, batch size and artifact store. Schedules, resources and retry settings are left out: changing them
 * must not retrain.
 */
export function trainingInputsHash(spec: ResolvedSpec): string {
  const t = spec.training;
  return sha(
    canonicalJson({
      features: spec.features,
      personas: spec.personas ?? [],
      data: t.data,
      mode: t.mode,
      k: t.k,
      nInit: t.nInit,
      seed: t.seed,
      // Only when set away from the defaults: models trained before these fields existed keep
      // their hash, so an upgrade does not retrain every model.
      ...(t.algorithm !== 'auto' ? { algorithm: t.algorithm } : {}),
      ...(t.batchSize !== DEFAULT_BATCH_SIZE ? { batchSize: t.batchSize } : {}),
      artifacts: spec.artifacts,
    }),
  ).slice(0, 16);
}

/** `<model>-train-<hash of inputs and token>`, cut to fit a label value. */
export function trainingJobName(model: string, inputsHash: string, token: string): string {
  const suffix = `-train-${sha(`${inputsHash}\0${token}`).slice(0, HASH_LEN)}`;
  return `${model.slice(0, LABEL_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export const predictorName = (model: string): string => `${model}-predictor`;

export function endpointFor(model: PersonaModel): string {
  return `http://${predictorName(model.metadata.name!)}.${model.metadata.namespace}.svc:80`;
}

export function commonLabels(
  model: PersonaModel,
  component: 'training' | 'predictor',
): Record<string, string> {
  const name = model.metadata.name!;
  return {
    'app.kubernetes.io/name': component === 'predictor' ? 'persona-predictor' : 'persona-trainer',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [COMPONENT_LABEL]: component,
    [MODEL_LABEL]: name,
  };
}

/** The selector of the predictor pods; never changes for a model (Deployment selectors are immutable). */
export function predictorSelector(model: PersonaModel): Record<string, string> {
  return { [MODEL_LABEL]: model.metadata.name!, [COMPONENT_LABEL]: 'predictor' };
}

/** Controller ownerReference: garbage collection removes the objects with the model. */
export function ownerReference(model: PersonaModel): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: PERSONA_MODEL_KIND,
    name: model.metadata.name!,
    uid: model.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}
