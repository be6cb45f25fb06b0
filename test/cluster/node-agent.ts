// A minimal kubelet for machines without a container runtime: it registers a Ready
// node, keeps its lease fresh, and runs the pods bound to it as local processes
// (see images.ts), each with its own loopback IP, reporting status like a kubelet.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { defaultImageTable, type ImageTable } from './images.ts';
import { kubeconfigDocument } from './kubeconfig.ts';
import { PodRuntime } from './pod-runtime.ts';
import { Supervisor } from './processes.ts';
import { setupPodNetwork, type PodNetwork } from './pod-network.ts';

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  /** Added to (and overriding) the default table, which runs `persona-operator` images. */
  images?: ImageTable;
  nodeName?: string;
  /** Container restart back-off (default 1 s doubling to 30 s; the kubelet uses 10 s to 5 min). */
  restartBackoffMs?: { initial: number; max: number };
  log?: (line: string) => void;
}

export interface NodeAgent {
  nodeName: string;
  /** `anyip`: pod IPs from 198.18.0.0/15, accepted in EndpointSlices; `loopback`: 127.0.x.y fallback (see pod-network.ts). */
  podNetwork: Pick<PodNetwork, 'kind' | 'note'>;
  stop(): Promise<void>;
  /** Everything the pod's containers printed (kept after the pod is gone). */
  podOutput(namespace: string, podName: string): string;
  /** Output of every pod this agent ran. */
  dumpOutputs(): string;
}

const HOST_IP = '127.0.0.1';
const LEASE_SECONDS = 40;
const LEASE_RENEW_MS = 10_000;
const STATUS_REFRESH_MS = 20_000;
const WATCH_TIMEOUT_SECONDS = 300;
const KUBERNETES_VERSION = 'v1.34.4';
const smp = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Lease times are MicroTime: the API server insists on six fractional digits. */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/Z$/, '000Z');
  }
}

function code(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

function nodeStatus(nodeName: string): NonNullable<V1Node['status']> {
  const resources = { cpu: '32', memory: '64Gi', pods: '250', 'ephemeral-storage': '100Gi' };
  const heartbeat = new Date();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: heartbeat,
  });
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'node agent has sufficient memory'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'node agent has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'node agent has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'persona node agent is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: HOST_IP },
      { type: 'Hostname', address: nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '',
      osImage: 'persona node agent',
      containerRuntimeVersion: 'persona-agent://1',
      kubeletVersion: KUBERNETES_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    },
  };
}

function hasTokenVolume(pod: V1Pod): boolean {
  return (pod.spec?.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken));
}

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const kc = opts.kubeConfig;
  const nodeName = opts.nodeName ?? 'persona-node';
  const log = opts.log ?? (() => undefined);
  const images = { ...defaultImageTable(), ...(opts.images ?? {}) };
  const core = kc.makeApiClient(CoreV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('node agent: the kubeconfig has no current cluster');
  const caPem = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : '';
  const apiUrl = new URL(cluster.server);
  const supervisor = new Supervisor('persona-node');
  const network = await setupPodNetwork(undefined, log);
  if (network.kind === 'loopback') {
    log(`node agent: pods get 127.0.x.y addresses, which EndpointSlices reject: ${network.note}`);
  }
  const runtimes = new Map<string, PodRuntime>();
  const archived = new Map<string, string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let watchAbort: AbortController | undefined;

  // --- node registration and heartbeats -------------------------------------------
  const node: V1Node = {
    metadata: {
      name: nodeName,
      labels: {
        'kubernetes.io/hostname': nodeName,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': nodeStatus(nodeName).nodeInfo!.architecture,
      },
    },
    spec: {},
    status: nodeStatus(nodeName),
  };
  let nodeUid: string | undefined;
  try {
    nodeUid = (await core.createNode({ body: node })).metadata?.uid;
  } catch (err) {
    if (code(err) !== 409) throw err;
    nodeUid = (await core.readNode({ name: nodeName })).metadata?.uid;
  }
  const postStatus = async (): Promise<void> => {
    await core.patchNodeStatus({ name: nodeName, body: { status: nodeStatus(nodeName) } }, smp);
  };
  const renewLease = async (): Promise<void> => {
    const namespace = 'kube-node-lease';
    const spec = {
      holderIdentity: nodeName,
      leaseDurationSeconds: LEASE_SECONDS,
      renewTime: new MicroTime(),
    };
    try {
      await coordination.patchNamespacedLease({ name: nodeName, namespace, body: { spec } }, mergePatch);
    } catch (err) {
      if (code(err) !== 404) throw err;
      await coordination.createNamespacedLease({
        namespace,
        body: {
          metadata: {
            name: nodeName,
            namespace,
            ownerReferences: nodeUid
              ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }]
              : undefined,
          },
          spec,
        },
      });
    }
  };
  const every = (ms: number, name: string, fn: () => Promise<void>): void => {
    const tick = (): void => {
      if (stopped) return;
      fn()
        .catch((err: Error) => log(`node agent: ${name} failed: ${err.message}`))
        .finally(() => {
          if (stopped) return;
          const t = setTimeout(() => {
            timers.delete(t);
            tick();
          }, ms);
          timers.add(t);
        });
    };
    tick();
  };
  await postStatus();
  await renewLease();
  every(LEASE_RENEW_MS, 'lease renewal', renewLease);
  every(STATUS_REFRESH_MS, 'node status', postStatus);

  // --- what pods see ---------------------------------------------------------------
  const sources = {
    secret: async (namespace: string, name: string) => {
      try {
        return await core.readNamespacedSecret({ name, namespace });
      } catch (err) {
        if (code(err) === 404) return undefined;
        throw err;
      }
    },
    configMap: async (namespace: string, name: string) => {
      try {
        return await core.readNamespacedConfigMap({ name, namespace });
      } catch (err) {
        if (code(err) === 404) return undefined;
        throw err;
      }
    },
  };
  const tokenKubeconfigs = new Map<string, string>();
  const podEnv = async (pod: V1Pod, dir: string): Promise<Record<string, string>> => {
    await network.ensure();
    const podIP = runtimes.get(pod.metadata!.uid!)?.podIP ?? HOST_IP;
    const env: Record<string, string> = {
      HOSTNAME: pod.metadata!.name!,
      HOME: dir,
      POD_IP: podIP,
      PERSONA_BIND_ADDRESS: podIP,
      KUBERNETES_SERVICE_HOST: apiUrl.hostname,
      KUBERNETES_SERVICE_PORT: apiUrl.port || '443',
    };
    if (hasTokenVolume(pod)) {
      // Stands in for the projected token volume: a pod-bound token in a kubeconfig
      // that `loadFromDefault()` picks up through KUBECONFIG.
      let path = tokenKubeconfigs.get(pod.metadata!.uid!);
      if (!path) {
        const sa = pod.spec?.serviceAccountName || 'default';
        const res = await core.createNamespacedServiceAccountToken({
          name: sa,
          namespace: pod.metadata!.namespace!,
          body: {
            spec: {
              audiences: [],
              expirationSeconds: 24 * 3600,
              boundObjectRef: {
                apiVersion: 'v1',
                kind: 'Pod',
                name: pod.metadata!.name,
                uid: pod.metadata!.uid,
              },
            },
          },
        });
        path = join(dir, 'kubeconfig');
        const user = `system:serviceaccount:${pod.metadata!.namespace}:${sa}`;
        const doc = kubeconfigDocument(
          cluster.server,
          caPem,
          user,
          { token: res.status!.token },
          pod.metadata!.namespace,
        );
        writeFileSync(path, doc, {
          mode: 0o600,
        });
        tokenKubeconfigs.set(pod.metadata!.uid!, path);
      }
      env.KUBECONFIG = path;
    }
    return env;
  };
  const baseEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };

  // --- status reporting ------------------------------------------------------------
  const syncing = new Map<string, { dirty: boolean; last: string }>();
  const syncStatus = (rt: PodRuntime): void => {
    const uid = rt.pod.metadata!.uid!;
    let s = syncing.get(uid);
    if (s && s.dirty) return;
    if (s) {
      s.dirty = true;
      return;
    }
    s = { dirty: true, last: '' };
    syncing.set(uid, s);
    const state = s;
    void (async () => {
      while (state.dirty && !stopped) {
        state.dirty = false;
        const status = rt.status();
        const text = JSON.stringify(status);
        if (text === state.last) continue;
        try {
          await core.patchNamespacedPodStatus(
            { name: rt.pod.metadata!.name!, namespace: rt.pod.metadata!.namespace!, body: { status } },
            smp,
          );
          state.last = text;
        } catch (err) {
          if (code(err) === 404) break;
          log(`node agent: status of ${rt.key} not written: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 500));
          state.dirty = true;
        }
      }
      // Cleared only once idle, so `dirty` set during the last patch is not lost.
      syncing.delete(uid);
      if (state.dirty && !stopped) syncStatus(rt);
    })();
  };

  // --- pods --------------------------------------------------------------------------
  const terminating = new Set<string>();
  const forget = (uid: string): void => {
    const rt = runtimes.get(uid);
    if (rt) archived.set(rt.key, rt.output());
    runtimes.delete(uid);
    tokenKubeconfigs.delete(uid);
  };
  const deletePodObject = async (pod: V1Pod): Promise<void> => {
    try {
      await core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid } },
      });
    } catch (err) {
      if (code(err) !== 404 && code(err) !== 409) throw err;
    }
  };
  const terminate = async (pod: V1Pod): Promise<void> => {
    const uid = pod.metadata!.uid!;
    if (terminating.has(uid)) return;
    terminating.add(uid);
    try {
      const rt = runtimes.get(uid);
      if (rt) {
        const grace =
          pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
        await rt.terminate(grace);
        syncStatus(rt);
      }
      // The kubelet's last step: remove the object once its containers are gone.
      await deletePodObject(pod);
      forget(uid);
    } catch (err) {
      log(
        `node agent: deleting ${pod.metadata?.namespace}/${pod.metadata?.name} failed: ${(err as Error).message}`,
      );
    } finally {
      terminating.delete(uid);
    }
  };
  const handle = (type: string, pod: V1Pod): void => {
    if (stopped || pod.spec?.nodeName !== nodeName) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const rt = runtimes.get(uid);
    if (type === 'DELETED') {
      if (rt) void rt.terminate(0).then(() => forget(uid));
      return;
    }
    if (pod.metadata?.deletionTimestamp) {
      void terminate(pod);
      return;
    }
    if (rt) {
      rt.pod = pod;
      return;
    }
    const phase = pod.status?.phase;
    // A pod that finished before this agent started has nothing left to run.
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const podIP = pod.spec?.hostNetwork ? HOST_IP : network.allocate();
    const created: PodRuntime = new PodRuntime(pod, podIP, {
      supervisor,
      images,
      sources,
      hostIP: HOST_IP,
      baseEnv,
      podEnv,
      changed: () => syncStatus(created),
      restartBackoffMs: opts.restartBackoffMs ?? { initial: 1000, max: 30_000 },
    });
    runtimes.set(uid, created);
    log(`node agent: starting ${created.key} on ${podIP}`);
    syncStatus(created);
    created.start();
  };

  // A watch with relist: the client's watch ends silently on errors, so every end
  // (error, server timeout, 410 Gone) leads to a fresh list and a new watch.
  const watcher = new Watch(kc);
  const listAndWatch = async (): Promise<void> => {
    if (stopped) return;
    try {
      const fieldSelector = `spec.nodeName=${nodeName}`;
      const list = await core.listPodForAllNamespaces({ fieldSelector });
      const seen = new Set<string>();
      for (const pod of list.items) {
        seen.add(pod.metadata!.uid!);
        handle('ADDED', pod);
      }
      for (const [uid, rt] of runtimes) if (!seen.has(uid)) handle('DELETED', rt.pod);
      if (stopped) return;
      watchAbort = await watcher.watch(
        '/api/v1/pods',
        {
          fieldSelector,
          resourceVersion: list.metadata?.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: WATCH_TIMEOUT_SECONDS,
        },
        (type, obj: V1Pod) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') handle(type, obj);
        },
        (err: unknown) => {
          if (err && !stopped) log(`node agent: pod watch ended: ${(err as Error).message ?? String(err)}`);
          restartSoon(err ? 1000 : 0);
        },
      );
    } catch (err) {
      log(`node agent: listing pods failed: ${(err as Error).message}`);
      restartSoon(1000);
    }
  };
  const restartSoon = (ms: number): void => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      void listAndWatch();
    }, ms);
    timers.add(t);
  };
  await listAndWatch();
  log(`node agent: node ${nodeName} registered and watching pods`);

  return {
    nodeName,
    podNetwork: { kind: network.kind, note: network.note },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      watchAbort?.abort();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...runtimes.values()].map((rt) => rt.terminate(2)));
      for (const uid of [...runtimes.keys()]) forget(uid);
      await supervisor.stop(2000);
    },
    podOutput: (namespace, podName) => {
      const key = `${namespace}/${podName}`;
      for (const rt of runtimes.values()) if (rt.key === key) return rt.output();
      return archived.get(key) ?? '';
    },
    dumpOutputs: () =>
      [...[...runtimes.values()].map((rt) => rt.output()), ...archived.values()].join('\n') ||
      '(no pods ran)',
  };
}
