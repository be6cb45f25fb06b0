// Writes a custom resource's status subresource, only when something a reader could see has
// changed: a reconcile that finds everything as it was makes no API call.
import type { KubernetesObject } from '@kubernetes/client-node';
import { GROUP, VERSION, type Condition } from '../../api/v1alpha1/common.ts';
import type { KubeClients } from '../../kube/clients.ts';
import type { Store } from '../../kube/informers.ts';
import { objectKey } from '../../runtime/informer.ts';
import { canonicalJson } from './canonical-json.ts';

interface StatusWithConditions {
  conditions?: readonly Condition[];
}

/** The status without condition timestamps, for "did anything change" comparisons. */
export function comparableStatus<S extends StatusWithConditions>(status: S | undefined): string {
  return canonicalJson({
    ...status,
    conditions: (status?.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: undefined })),
  });
}

/**
 * Writes `status` onto `obj` (of the operator's group, `plural`) if it differs from the stored
 * one, and remembers the written object in `store`; returns the object as stored after.
 */
export async function writeStatus<
  S extends StatusWithConditions,
  T extends KubernetesObject & { status?: S },
>(ctx: { clients: KubeClients }, store: Store<T>, plural: string, obj: T, status: S): Promise<T> {
  if (comparableStatus(obj.status) === comparableStatus(status)) return obj;
  // A replace carries the resourceVersion read: if the object moved on meanwhile the write
  // fails with a conflict and the reconcile runs again on fresh state.
  const written = (await ctx.clients.custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    namespace: obj.metadata!.namespace!,
    plural,
    name: obj.metadata!.name!,
    body: { ...obj, status },
  })) as T;
  store.remember(objectKey(obj), written);
  return written;
}
