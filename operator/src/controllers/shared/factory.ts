// What the manager hands every controller, and the shape of a controller's constructor.
import type { Registry } from '@persona-operator/registry';
import type { OperatorConfig } from '../../config.ts';
import type { KubeClients } from '../../kube/clients.ts';
import type { InformerFactory } from '../../kube/informers.ts';
import type { Controller } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { OperatorMetrics } from '../../runtime/metrics.ts';

export interface ControllerDeps {
  clients: KubeClients;
  informers: InformerFactory;
  registry: Registry;
  events: EventRecorder;
  config: OperatorConfig;
  logger: Logger;
  metrics: OperatorMetrics;
}

export type ControllerFactory = (deps: ControllerDeps) => Controller;
