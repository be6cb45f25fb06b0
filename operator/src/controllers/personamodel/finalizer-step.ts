// The archive finalizer: added on the first reconcile, beside the first training Job and
// before any promotion or rollout, so deleting the PersonaModel archives it in the registry
// first; garbage collection removes the owned Jobs and predictor objects through their
// ownerReferences.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { RegistryNotFoundError } from '@persona-operator/registry';
import { FINALIZER, GROUP, VERSION } from '../../api/v1alpha1/common.ts';
import { PERSONA_MODEL_PLURAL, type PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { modelRef, keyOf, type PersonaModelContext } from './context.ts';

async function patchFinalizers(
  ctx: PersonaModelContext,
  model: PersonaModel,
  ops: object[],
): Promise<PersonaModel> {
  const { namespace, name } = modelRef(model);
  // The resourceVersion test makes the patch fail (and the reconcile retry) if the list
  // changed since we read it, instead of overwriting another controller's finalizer.
  const body = [
    { op: 'test', path: '/metadata/resourceVersion', value: model.metadata.resourceVersion },
    ...ops,
  ];
  const patched = (await ctx.clients.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, namespace, plural: PERSONA_MODEL_PLURAL, name, body },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  )) as PersonaModel;
  ctx.models.remember(keyOf(namespace, name), patched);
  return patched;
}

/** Returns the model with the finalizer present, adding it if needed. */
export async function ensureFinalizer(ctx: PersonaModelContext, model: PersonaModel): Promise<PersonaModel> {
  const list = model.metadata.finalizers;
  if (list?.includes(FINALIZER)) return model;
  const op = list
    ? { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER }
    : { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] };
  return patchFinalizers(ctx, model, [op]);
}

/** The model is being deleted: archive it, then let it go. */
export async function finalize(ctx: PersonaModelContext, model: PersonaModel): Promise<void> {
  const index = model.metadata.finalizers?.indexOf(FINALIZER) ?? -1;
  if (index < 0) return;
  const ref = modelRef(model);
  try {
    await ctx.registry.archiveModel(ref);
  } catch (err) {
    // Never registered (deleted before its first reconcile): nothing to archive.
    if (!(err instanceof RegistryNotFoundError)) throw err;
  }
  ctx.logger.info({ model: keyOf(ref.namespace, ref.name) }, 'archived the model in the registry');
  await patchFinalizers(ctx, model, [{ op: 'remove', path: `/metadata/finalizers/${index}` }]);
}
