// The PersonaModel controller built from the manager's shared dependencies.
import { deploymentKind, jobKind, personaModelKind, serviceKind } from '../../kube/informers.ts';
import { systemClock } from '../../runtime/clock.ts';
import type { ControllerFactory } from '../shared/factory.ts';
import { observeJobDurations } from '../shared/job-durations.ts';
import { MANAGED_SELECTOR } from '../shared/labels.ts';
import { indexByModel } from '../shared/model-index.ts';
import type { PersonaModelContext } from './context.ts';
import { personaModelController } from './controller.ts';

export const personaModelControllerFactory: ControllerFactory = (deps) => {
  const ctx: PersonaModelContext = {
    clients: deps.clients,
    models: deps.informers.store(personaModelKind),
    jobs: indexByModel(deps.informers.store(jobKind, MANAGED_SELECTOR)),
    deployments: deps.informers.store(deploymentKind, MANAGED_SELECTOR),
    services: deps.informers.store(serviceKind, MANAGED_SELECTOR),
    registry: deps.registry,
    events: deps.events,
    config: deps.config,
    logger: deps.logger.child({ controller: 'personamodel' }),
    clock: systemClock,
    jobFinished: observeJobDurations(deps.metrics.jobDuration),
  };
  return personaModelController(ctx);
};
