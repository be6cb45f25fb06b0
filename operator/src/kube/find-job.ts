// Finds a Job the operator made: from the informer cache, else with one read, because a Job
// just created may not have reached the cache yet and a second create would only conflict.
import type { V1Job } from '@kubernetes/client-node';
import { isNotFound } from '../runtime/k8s-errors.ts';
import type { KubeClients } from './clients.ts';
import type { Store } from './informers.ts';

export async function findJob(
  ctx: { jobs: Store<V1Job>; clients: KubeClients },
  namespace: string,
  name: string,
): Promise<V1Job | undefined> {
  const cached = ctx.jobs.get(`${namespace}/${name}`);
  if (cached) return cached;
  try {
    return await ctx.clients.batch.readNamespacedJob({ name, namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
