// The operator process: loads the cluster credentials, builds the manager (clients, informers,
// registry, controllers, leader election, health server) and runs it until SIGTERM or SIGINT.
// Wiring only; `persona operator` turns flags and the environment into these options.
import { KubeConfig } from '@kubernetes/client-node';
import { Manager, type ManagerOptions } from './manager.ts';
import { createLogger, type Logger } from './runtime/logger.ts';

/** How a run ended: stopped by a signal, or failed to start (a retry may help). */
export type OperatorOutcome = 'stopped' | 'failed-transient';

/** Configuration the operator cannot run with; retrying cannot help. */
export class OperatorConfigError extends Error {
  override name = 'OperatorConfigError';
}

/** The kubeconfig at `path`, else the default one ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  try {
    if (path) kubeConfig.loadFromFile(path);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new OperatorConfigError(`cannot load the kubeconfig: ${(err as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster())
    throw new OperatorConfigError('the kubeconfig names no current cluster');
  return kubeConfig;
}

export type OperatorOptions = Omit<ManagerOptions, 'logger'>;

export async function runOperator(
  options: OperatorOptions,
  logger: Logger = createLogger('persona-operator').child({ identity: options.identity }),
): Promise<OperatorOutcome> {
  const manager = new Manager({ ...options, logger });
  let finish: (outcome: OperatorOutcome) => void = () => undefined;
  const finished = new Promise<OperatorOutcome>((resolve) => {
    finish = (outcome) => {
      void manager.stop().finally(() => resolve(outcome));
    };
  });
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    finish('stopped');
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await manager.start();
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'operator failed to start');
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await manager.stop();
    return 'failed-transient';
  }
  return finished;
}
