// The operator's objects filed by the model they belong to (their namespace and model label),
// so a reconcile finds one model's Jobs without scanning the Jobs of every model.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Store } from '../../kube/informers.ts';
import { MODEL_LABEL } from './labels.ts';

export const BY_MODEL_INDEX = 'by-model';

/** namespace/model of the model an object was made for, if it names one. */
export function modelKeyOf(obj: KubernetesObject): string | undefined {
  const model = obj.metadata?.labels?.[MODEL_LABEL];
  const ns = obj.metadata?.namespace;
  return model && ns ? `${ns}/${model}` : undefined;
}

/** Files the store's objects by model; safe to call from every controller sharing the store. */
export function indexByModel<T extends KubernetesObject>(store: Store<T>): Store<T> {
  store.addIndex(BY_MODEL_INDEX, (obj) => {
    const key = modelKeyOf(obj);
    return key ? [key] : [];
  });
  return store;
}

/** The cached objects made for model `name` in `namespace`. */
export function objectsOfModel<T extends KubernetesObject>(
  store: Store<T>,
  namespace: string,
  name: string,
): T[] {
  return store.byIndex(BY_MODEL_INDEX, `${namespace}/${name}`);
}
