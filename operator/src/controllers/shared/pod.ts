// Pod-level settings every container we launch shares: non-root, no privilege escalation,
// read-only root filesystem with a writable /tmp, no API token mounted.
import type {
  V1Container,
  V1EnvVar,
  V1PodFailurePolicy,
  V1PodSecurityContext,
  V1SecurityContext,
  V1Volume,
} from '@kubernetes/client-node';
import type { ResolvedSecretKeyRef, ResourceRequirements } from '../../api/v1alpha1/common.ts';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';

/**
 * The podFailurePolicy of every Job we run: exit code 2 (bad configuration or data) fails the
 * Job at once, since a retry cannot help; a pod evicted or preempted is not the command's
 * fault and does not count against backoffLimit.
 */
export function badInputFailurePolicy(containerName: string): V1PodFailurePolicy {
  return {
    rules: [
      { action: 'FailJob', onExitCodes: { containerName, operator: 'In', values: [EXIT_BAD_INPUT] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ],
  };
}

/** The uid of the "nonroot" user of distroless-style images; any non-zero uid would do. */
export const RUN_AS_USER = 65532;

export const podSecurityContext: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const containerSecurityContext: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

export const tmpVolume: V1Volume = { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } };
export const tmpMount = { name: 'tmp', mountPath: '/tmp' };

export function secretEnv(name: string, ref: ResolvedSecretKeyRef): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/** Mounts a credentials key as a file and points Google's client libraries at it. */
export function gcsCredentials(ref: ResolvedSecretKeyRef): {
  volume: V1Volume;
  mount: NonNullable<V1Container['volumeMounts']>[number];
  env: V1EnvVar;
} {
  const dir = '/var/run/secrets/persona/gcs';
  return {
    volume: {
      name: 'gcs-credentials',
      secret: { secretName: ref.name, items: [{ key: ref.key, path: 'credentials.json' }] },
    },
    mount: { name: 'gcs-credentials', mountPath: dir, readOnly: true },
    env: { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: `${dir}/credentials.json` },
  };
}

export function containerResources(r: ResourceRequirements | undefined): V1Container['resources'] {
  if (!r) return undefined;
  const toStrings = (m: Record<string, number | string> | undefined) =>
    m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) : undefined;
  return { requests: toStrings(r.requests), limits: toStrings(r.limits) };
}
