// The ServiceAccounts the operator's pods run as (trainer, predictor, drift check). Pods cannot be
// created for a ServiceAccount that does not exist, and models may live in any namespace,
// so the operator makes them (without an API token: the pods only talk to Postgres). An
// existing one is left as it is: people may annotate it (workload identity for GCS, image
// pull secrets).
import type { KubeClients } from '../../kube/clients.ts';
import { isConflict } from '../../runtime/k8s-errors.ts';
import { MANAGED_BY } from './labels.ts';

/** namespace/name of accounts known to exist, so each costs one request per process. */
const ensured = new Set<string>();

export async function ensureServiceAccount(
  ctx: { clients: KubeClients },
  namespace: string,
  name: string,
): Promise<void> {
  const key = `${namespace}/${name}`;
  if (ensured.has(key)) return;
  try {
    await ctx.clients.core.createNamespacedServiceAccount({
      namespace,
      body: {
        metadata: { name, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
        automountServiceAccountToken: false,
      },
    });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  ensured.add(key);
}
