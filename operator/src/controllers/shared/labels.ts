// Labels every object the operator makes carries, whichever controller made it.
import { GROUP } from '../../api/v1alpha1/common.ts';

export const MANAGED_BY = 'persona-operator';
/** The server-side apply field manager of the operator's writes. */
export const FIELD_MANAGER = 'persona-operator';
export const MODEL_LABEL = `${GROUP}/model`;
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Selector of every object the operator made: its informers see nothing else, and one
 * selector string means the controllers share one informer per kind. */
export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
