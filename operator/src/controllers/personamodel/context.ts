// What the PersonaModel steps work with: API clients, the informer stores, the registry,
// the Event recorder and the operator's configuration. Steps read objects from the stores
// (never list), so a reconcile with nothing to do makes no API call.
import type { V1Deployment, V1Job, V1Service } from '@kubernetes/client-node';
import type { Registry } from '@persona-operator/registry';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import type { KubeClients } from '../../kube/clients.ts';
import type { Store } from '../../kube/informers.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { OperatorConfig } from '../../config.ts';
import type { JobFinished } from '../shared/job-durations.ts';

export interface PersonaModelContext {
  clients: KubeClients;
  models: Store<PersonaModel>;
  jobs: Store<V1Job>;
  deployments: Store<V1Deployment>;
  services: Store<V1Service>;
  registry: Registry;
  events: EventRecorder;
  config: OperatorConfig;
  logger: Logger;
  clock: Clock;
  /** Told once per training Job that reaches a terminal state (the duration metric). */
  jobFinished: JobFinished;
}

/** Who the registry's alias events name for the operator's decisions. */
export const ACTOR = 'persona-operator';
export const PRODUCTION = 'production';

export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

export function modelRef(model: PersonaModel): { namespace: string; name: string } {
  return { namespace: model.metadata.namespace!, name: model.metadata.name! };
}
