// What the DriftMonitor reconcile works with. Objects come from the shared informer stores;
// the API is called only to act (create a Job, write status, patch a model, read a Secret
// named in the spec) or, once per failed run, to read the failed pod's termination message.
import type { V1Job } from '@kubernetes/client-node';
import type { DriftNotice, NotificationResult, NotifyTarget } from '../../notify/index.ts';
import type { Registry } from '@persona-operator/registry';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import type { KubeClients } from '../../kube/clients.ts';
import type { Store } from '../../kube/informers.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { OperatorConfig } from '../../config.ts';
import type { JobFinished } from '../shared/job-durations.ts';

export type Notifier = (
  targets: readonly NotifyTarget[],
  notice: DriftNotice,
) => Promise<NotificationResult[]>;

export interface DriftMonitorContext {
  clients: KubeClients;
  monitors: Store<DriftMonitor>;
  models: Store<PersonaModel>;
  jobs: Store<V1Job>;
  registry: Pick<Registry, 'getDriftReportByRun'>;
  events: EventRecorder;
  config: OperatorConfig;
  logger: Logger;
  clock: Clock;
  notify: Notifier;
  /** Told once per drift-check Job that reaches a terminal state (the duration metric). */
  jobFinished: JobFinished;
  /** Where the operator serves /reports/{id}, as users reach it; links are paths when unset. */
  reportBaseUrl?: string;
  /** Telegram Bot API base URL (a proxy); Telegram's own when unset. */
  telegramApiBase?: string;
}

export const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
