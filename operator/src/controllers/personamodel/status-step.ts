// Writes the status subresource, only when something a reader could see has changed.
import { GROUP, VERSION } from '../../api/v1alpha1/common.ts';
import {
  PERSONA_MODEL_PLURAL,
  type PersonaModel,
  type PersonaModelStatus,
} from '../../api/v1alpha1/personamodel.ts';
import { keyOf, modelRef, type PersonaModelContext } from './context.ts';
import { canonicalJson } from '../shared/canonical-json.ts';

/** The status without condition timestamps, for "did anything change" comparisons. */
function comparable(status: PersonaModelStatus | undefined): string {
  const s = status ?? {};
  return canonicalJson({
    ...s,
    conditions: (s.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: undefined })),
  });
}

/** Writes `status` if it differs from the stored one; returns the model as stored after. */
export async function writeStatus(
  ctx: PersonaModelContext,
  model: PersonaModel,
  status: PersonaModelStatus,
): Promise<PersonaModel> {
  if (comparable(model.status) === comparable(status)) return model;
  const { namespace, name } = modelRef(model);
  // A replace carries the resourceVersion we read: if the object moved on meanwhile the
  // write fails with a conflict and the reconcile runs again on fresh state.
  const written = (await ctx.clients.custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PERSONA_MODEL_PLURAL,
    name,
    body: { ...model, status },
  })) as PersonaModel;
  ctx.models.remember(keyOf(namespace, name), written);
  return written;
}
