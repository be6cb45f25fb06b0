// The PersonaModel controller as the manager hosts it: which store events queue which model,
// and the reconcile.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import { objectKey } from '../../runtime/informer.ts';
import type { Controller } from '../../runtime/controller.ts';
import type { PersonaModelContext } from './context.ts';
import { modelKeyOf } from '../shared/model-index.ts';
import { deploymentUpdateMatters, jobUpdateMatters } from './owned-updates.ts';
import { reconcilePersonaModel } from './reconcile.ts';

/** Our own status writes change nothing the reconcile reads besides status: skip those events. */
function worthReconciling(obj: PersonaModel, old: PersonaModel | undefined): boolean {
  if (!old) return true;
  const m = obj.metadata;
  const o = old.metadata;
  return (
    m.generation !== o.generation ||
    Boolean(m.deletionTimestamp) !== Boolean(o.deletionTimestamp) ||
    JSON.stringify(m.annotations ?? {}) !== JSON.stringify(o.annotations ?? {}) ||
    JSON.stringify(m.finalizers ?? []) !== JSON.stringify(o.finalizers ?? [])
  );
}

export const PERSONA_MODEL_CONTROLLER = 'personamodel';

export function personaModelController(ctx: PersonaModelContext): Controller {
  return {
    name: PERSONA_MODEL_CONTROLLER,
    setup(enqueue) {
      // The events of this controller's own writes (finalizer, status, a created Job, an
      // applied Deployment) are skipped: the reconcile that wrote went on from what it wrote.
      ctx.models.on('add', (obj) => enqueue(objectKey(obj)));
      ctx.models.on('update', (obj, old) => {
        if (!ctx.models.isOwnWrite(obj) && worthReconciling(obj, old)) enqueue(objectKey(obj));
      });
      const owned = (obj: KubernetesObject) => {
        const key = modelKeyOf(obj);
        if (key) enqueue(key);
      };
      ctx.jobs.on('add', (job) => {
        if (!ctx.jobs.isOwnWrite(job)) owned(job);
      });
      ctx.deployments.on('add', (deploy) => {
        if (!ctx.deployments.isOwnWrite(deploy)) owned(deploy);
      });
      for (const store of [ctx.jobs, ctx.deployments] as const) store.on('delete', owned);
      ctx.jobs.on('update', (job, old) => {
        if (!ctx.jobs.isOwnWrite(job) && (!old || jobUpdateMatters(job, old))) owned(job);
      });
      ctx.deployments.on('update', (deploy, old) => {
        if (!ctx.deployments.isOwnWrite(deploy) && (!old || deploymentUpdateMatters(deploy, old)))
          owned(deploy);
      });
      // A predictor Service is checked against the cache on every apply: one deleted is made again.
      ctx.services.on('delete', owned);
    },
    keys: () => ctx.models.list().map((m) => objectKey(m)),
    reconcile: (key) => reconcilePersonaModel(ctx, key),
  };
}
