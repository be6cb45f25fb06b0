// Names and labels of the drift Jobs a DriftMonitor owns. A Job's name comes from the
// monitor and the time slot it runs for, so a restarted operator finds the Job it already
// made for that slot instead of starting a second run.
import { createHash } from 'node:crypto';
import type { V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, GROUP } from '../../api/v1alpha1/common.ts';
import { DRIFT_MONITOR_KIND, type DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import { COMPONENT_LABEL, MANAGED_BY, MODEL_LABEL } from '../shared/labels.ts';

export const MONITOR_LABEL = `${GROUP}/monitor`;
/** Annotation whose new value (any token) asks for a drift check now, outside the schedule. */
export const RUN_NOW_ANNOTATION = `${GROUP}/run-now`;
/** The time slot a drift Job was started for (ISO 8601), recorded on the Job. */
export const SLOT_ANNOTATION = `${GROUP}/scheduled-time`;
export const DRIFT_COMPONENT = 'drift';

/** Job names end up in pod labels (job-name), so they must fit a 63-character label. */
const LABEL_MAX = 63;

/** 2025-03-01T12:05:00Z -> "202503011205" (UTC, minute resolution like cron). */
export function slotStamp(slot: Date): string {
  return slot.toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

/**
 * `<monitor>-drift-<yyyymmddhhmm>` for a scheduled slot. A run asked for with the run-now
 * annotation is named by its token instead (`<monitor>-drift-now-<hash>`): the token, not the
 * clock, identifies that run, so a reconcile repeated a minute later finds the same Job.
 */
export function driftJobName(monitor: string, slot: Date, runNowToken?: string): string {
  const suffix =
    runNowToken === undefined
      ? `-drift-${slotStamp(slot)}`
      : `-drift-now-${createHash('sha256').update(runNowToken).digest('hex').slice(0, 10)}`;
  return `${monitor.slice(0, LABEL_MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
}

export function driftLabels(monitor: DriftMonitor): Record<string, string> {
  const name = monitor.metadata.name!;
  return {
    'app.kubernetes.io/name': 'persona-drift',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [COMPONENT_LABEL]: DRIFT_COMPONENT,
    [MODEL_LABEL]: monitor.spec.modelRef.name,
    [MONITOR_LABEL]: name,
  };
}

/** Controller ownerReference: the monitor's Jobs go away with it. */
export function monitorOwnerReference(monitor: DriftMonitor): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: DRIFT_MONITOR_KIND,
    name: monitor.metadata.name!,
    uid: monitor.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}
