// The DriftMonitor controller built from the manager's shared dependencies. Two settings come
// from the environment until the operator has flags for them: PERSONA_REPORT_BASE_URL (how
// users reach the operator's /reports/{id}, for links in status and notifications) and
// PERSONA_TELEGRAM_API_BASE (a Bot API proxy).
import { notifyAll } from '../../notify/index.ts';
import { DRIFT_MONITOR_PLURAL, type DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import { customKind, jobKind, personaModelKind } from '../../kube/informers.ts';
import { systemClock } from '../../runtime/clock.ts';
import type { ControllerFactory } from '../shared/factory.ts';
import { observeJobDurations } from '../shared/job-durations.ts';
import { MANAGED_SELECTOR } from '../shared/labels.ts';
import { indexByModel } from '../shared/model-index.ts';
import type { DriftMonitorContext } from './context.ts';
import { driftMonitorController } from './controller.ts';

export const driftMonitorKind = customKind<DriftMonitor>(DRIFT_MONITOR_PLURAL);

export const driftMonitorControllerFactory: ControllerFactory = (deps) => {
  const env = process.env;
  const ctx: DriftMonitorContext = {
    clients: deps.clients,
    monitors: deps.informers.store(driftMonitorKind),
    models: deps.informers.store(personaModelKind),
    jobs: indexByModel(deps.informers.store(jobKind, MANAGED_SELECTOR)),
    registry: deps.registry,
    events: deps.events,
    config: deps.config,
    logger: deps.logger.child({ controller: 'driftmonitor' }),
    clock: systemClock,
    notify: (targets, notice) => notifyAll(targets, notice),
    jobFinished: observeJobDurations(deps.metrics.jobDuration),
    reportBaseUrl: env.PERSONA_REPORT_BASE_URL || undefined,
    telegramApiBase: env.PERSONA_TELEGRAM_API_BASE || undefined,
  };
  return driftMonitorController(ctx);
};
