// Which version the predictor should serve, and how far the Deployment is with it.
import type { V1Deployment } from '@kubernetes/client-node';
import { VERSION_LABEL } from './naming.ts';

export interface ServingInputs {
  /** spec.serving.version: a pin (manual promotion or rollback). */
  pinned?: number;
  /** The registry's production alias. */
  production?: number;
  /** A version that already failed to become ready for this spec. */
  failedVersion?: number;
  /** The version the ready pods serve now (the last good one). */
  serving?: number;
}

export interface ServingTarget {
  version: number | undefined;
  reason: string;
}

export function servingTarget(i: ServingInputs): ServingTarget {
  const wanted = i.pinned ?? i.production;
  const source = i.pinned !== undefined ? 'spec.serving.version' : 'the production alias';
  if (wanted === undefined) return { version: undefined, reason: 'no version is promoted or pinned yet' };
  if (wanted === i.failedVersion) {
    return {
      version: i.serving,
      reason: `version ${wanted} (${source}) did not become ready; ${i.serving !== undefined ? `staying on version ${i.serving}` : 'nothing to serve'}`,
    };
  }
  return { version: wanted, reason: `serving version ${wanted} from ${source}` };
}

export type RolloutState =
  | { state: 'Complete'; message: string }
  | { state: 'Progressing'; message: string }
  | { state: 'Stalled'; message: string };

/** Reads a predictor Deployment's progress towards `version` (client-go's rollout status logic). */
export function rolloutState(deploy: V1Deployment | undefined, version: number): RolloutState {
  if (!deploy) return { state: 'Progressing', message: 'the predictor Deployment does not exist yet' };
  const templateVersion = deploy.spec?.template.metadata?.labels?.[VERSION_LABEL];
  if (templateVersion !== String(version)) {
    return {
      state: 'Progressing',
      message: `the Deployment still specifies version ${templateVersion ?? 'none'}`,
    };
  }
  const status = deploy.status ?? {};
  if ((status.observedGeneration ?? 0) < (deploy.metadata?.generation ?? 0)) {
    return { state: 'Progressing', message: 'waiting for the Deployment controller to observe the change' };
  }
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'Stalled',
      message:
        `pods of version ${version} did not become ready within the progress deadline: ${progressing.message ?? ''}`.trim(),
    };
  }
  const desired = deploy.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (updated >= desired && available >= desired && total <= updated) {
    return { state: 'Complete', message: `${available} pod(s) of version ${version} ready` };
  }
  return {
    state: 'Progressing',
    message: `${updated}/${desired} pod(s) updated to version ${version}, ${available} available, ${total - updated} old`,
  };
}
