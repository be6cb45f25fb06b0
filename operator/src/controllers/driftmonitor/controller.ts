// The DriftMonitor controller as the manager hosts it: monitors and their drift Jobs queue the
// monitor; the reconcile does the rest.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import type { Controller } from '../../runtime/controller.ts';
import { objectKey } from '../../runtime/informer.ts';
import { keyOf, type DriftMonitorContext } from './context.ts';
import { MONITOR_LABEL } from './naming.ts';
import { reconcileDriftMonitor } from './reconcile.ts';

export const DRIFT_MONITOR_CONTROLLER = 'driftmonitor';

/** Our own status writes change nothing the reconcile acts on: skip those events. */
function worthReconciling(obj: DriftMonitor, old: DriftMonitor | undefined): boolean {
  if (!old) return true;
  const m = obj.metadata;
  const o = old.metadata;
  return (
    m.generation !== o.generation ||
    Boolean(m.deletionTimestamp) !== Boolean(o.deletionTimestamp) ||
    JSON.stringify(m.annotations ?? {}) !== JSON.stringify(o.annotations ?? {})
  );
}

function monitorOf(obj: KubernetesObject): string | undefined {
  const monitor = obj.metadata?.labels?.[MONITOR_LABEL];
  const ns = obj.metadata?.namespace;
  return monitor && ns ? keyOf(ns, monitor) : undefined;
}

export function driftMonitorController(ctx: DriftMonitorContext): Controller {
  return {
    name: DRIFT_MONITOR_CONTROLLER,
    setup(enqueue) {
      ctx.monitors.on('add', (obj) => enqueue(objectKey(obj)));
      ctx.monitors.on('update', (obj, old) => {
        if (worthReconciling(obj, old)) enqueue(objectKey(obj));
      });
      const owned = (obj: KubernetesObject) => {
        const key = monitorOf(obj);
        if (key) enqueue(key);
      };
      ctx.jobs.on('add', owned);
      ctx.jobs.on('update', owned);
      ctx.jobs.on('delete', owned);
    },
    keys: () => ctx.monitors.list().map((m) => objectKey(m)),
    reconcile: (key) => reconcileDriftMonitor(ctx, key),
  };
}
