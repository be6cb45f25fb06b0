// The trainer's and predictor's ServiceAccounts in the model's namespace. Pods cannot be
// created for a ServiceAccount that does not exist, and models may live in any namespace,
// so the operator makes them (without an API token: the pods only talk to Postgres). An
// existing one is left as it is: people may annotate it (workload identity for GCS, image
// pull secrets).
import { isConflict } from '../../runtime/k8s-errors.ts';
import type { PersonaModelContext } from './context.ts';
import { MANAGED_BY } from './naming.ts';

/** namespace/name of accounts known to exist, so each costs one request per process. */
const ensured = new Set<string>();

/** Needs only the API clients, so the DriftMonitor controller can call it for its Jobs too. */
export async function ensureServiceAccount(
  ctx: Pick<PersonaModelContext, 'clients'>,
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
