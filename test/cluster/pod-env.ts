// A container's environment as the kubelet builds it: envFrom first, then env in
// order (later wins), with $(VAR) references expanded against what came before.
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';

export interface EnvSources {
  /** undefined when the object does not exist. */
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
}

export interface PodAddresses {
  podIP: string;
  hostIP: string;
}

/** The kubelet's CreateContainerConfigError: the pod waits and is retried. */
export class ContainerConfigError extends Error {}

/** Kubernetes $(VAR) expansion: `$$` escapes, unknown references stay as written. */
export function expandVars(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.prototype.hasOwnProperty.call(env, name) ? env[name] : whole;
  });
}

const UNITS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export function parseQuantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m || !(m[2] in UNITS)) throw new ContainerConfigError(`cannot parse quantity ${JSON.stringify(q)}`);
  return Number(m[1]) * UNITS[m[2]];
}

function fieldValue(pod: V1Pod, path: string, addr: PodAddresses): string {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) {
    const map = keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[keyed[2]] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return addr.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return addr.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath ${JSON.stringify(path)}`);
  }
}

function resourceValue(container: V1Container, resource: string, divisor: string | undefined): string {
  const [kind, name] = resource.split('.');
  const table = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  const raw = table?.[name] as string | number | undefined;
  // Like the kubelet, an unset limit reports the node's allocatable (ours is generous).
  const fallback = name === 'cpu' ? '32' : name === 'memory' ? '64Gi' : undefined;
  const value = raw === undefined ? fallback : String(raw);
  if (value === undefined) throw new ContainerConfigError(`unsupported resourceFieldRef ${resource}`);
  const d = parseQuantity(divisor ?? '1');
  return String(Math.ceil(parseQuantity(value) / d));
}

function decodeSecret(secret: V1Secret, key: string): string | undefined {
  if (secret.data?.[key] !== undefined) return Buffer.from(secret.data[key], 'base64').toString('utf8');
  return secret.stringData?.[key];
}

export async function containerEnv(
  pod: V1Pod,
  container: V1Container,
  addr: PodAddresses,
  sources: EnvSources,
): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = await sources.configMap(ns, from.configMapRef.name ?? '');
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env[prefix + k] = v;
    }
    if (from.secretRef) {
      const secret = await sources.secret(ns, from.secretRef.name ?? '');
      if (!secret) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const k of Object.keys(secret.data ?? {})) env[prefix + k] = decodeSecret(secret, k) ?? '';
    }
  }
  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env[e.name] = expandVars(e.value ?? '', env);
    } else if (vf.fieldRef) {
      env[e.name] = fieldValue(pod, vf.fieldRef.fieldPath, addr);
    } else if (vf.resourceFieldRef) {
      env[e.name] = resourceValue(
        container,
        vf.resourceFieldRef.resource,
        vf.resourceFieldRef.divisor as string,
      );
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const secret = await sources.secret(ns, ref.name ?? '');
      const value = secret ? decodeSecret(secret, ref.key) : undefined;
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          secret
            ? `couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`
            : `secret "${ref.name}" not found`,
        );
      }
      env[e.name] = value;
    } else if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const cm = await sources.configMap(ns, ref.name ?? '');
      const value = cm?.data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          cm
            ? `couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`
            : `configmap "${ref.name}" not found`,
        );
      }
      env[e.name] = value;
    } else {
      throw new ContainerConfigError(`env ${e.name}: unsupported valueFrom`);
    }
  }
  return env;
}
