// Simulated nodes for bench:scale: kwok marks fake Nodes Ready, keeps their leases, and moves
// the pods bound to them through their lifecycle without running anything, so a thousand
// predictors and training pods cost the API server and the controllers what they would on a
// real cluster, and the machine almost nothing.
//
// The pod stages are our own (kwok's defaults would finish every Job's pod at once): a pod
// becomes Running and Ready when bound, and a training pod completes only once the bench's
// stand-in trainer has registered its version and marked the pod with TRAINED_ANNOTATION.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { Supervisor, type ManagedProcess } from '../test/cluster/processes.ts';
import { waitFor } from '../test/cluster/wait.ts';

/** Set by the stand-in trainer on a training pod once its version is in the registry. */
export const TRAINED_ANNOTATION = 'scale-bench.personas.dtc.dev/trained';
const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** Ready at once, then a status heartbeat now and then; kwok renews the node Leases itself. */
const NODE_STATUS = `
      {{ $now := Now }}
      conditions:
      {{ range NodeConditions }}
      - {type: {{ .type | Quote }}, status: {{ .status | Quote }}, reason: {{ .reason | Quote }}, message: {{ .message | Quote }}, lastHeartbeatTime: {{ $now | Quote }}, lastTransitionTime: {{ $now | Quote }}}
      {{ end }}
      addresses:
      - {type: InternalIP, address: {{ NodeIP | Quote }}}
      - {type: Hostname, address: {{ NodeName | Quote }}}
      allocatable:
      {{ YAML .status.allocatable 1 }}
      capacity:
      {{ YAML .status.capacity 1 }}
      nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: {{ printf "kwok-%s" Version | Quote }}}
      phase: Running`;

const NODE_STAGES = `
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-ready
spec:
  resourceRef: {apiGroup: v1, kind: Node}
  selector:
    matchExpressions:
    - {key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: NotIn, values: ["True"]}
  next:
    statusTemplate: |${NODE_STATUS}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: node-heartbeat
spec:
  resourceRef: {apiGroup: v1, kind: Node}
  selector:
    matchExpressions:
    - {key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: In, values: ["True"]}
  delay: {durationMilliseconds: 300000, jitterDurationMilliseconds: 310000}
  next:
    statusTemplate: |${NODE_STATUS}
`;

const POD_STAGES = `
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-running
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.podIP, operator: DoesNotExist}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        ready: true
        started: true
        restartCount: 0
        state: {running: {startedAt: {{ $now | Quote }}}}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName false .metadata.uid .metadata.name .metadata.namespace | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: training-pod-exits
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchAnnotations:
      ${TRAINED_ANNOTATION}: "true"
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.phase, operator: In, values: [Running]}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Ready, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "False", reason: PodCompleted, lastTransitionTime: {{ $now | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        ready: false
        started: false
        restartCount: 0
        state: {terminated: {exitCode: 0, reason: Completed, startedAt: {{ $now | Quote }}, finishedAt: {{ $now | Quote }}}}
      {{ end }}
      phase: Succeeded
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-deleted
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: Exists}
  next:
    finalizers: {empty: true}
    delete: true
`;

export interface Kwok {
  nodes: string[];
  /** kwok's own log tail, for diagnostics. */
  logs(): string;
  stop(): Promise<void>;
}

export interface KwokOptions {
  kwokPath: string;
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  nodes: number;
  /** Pods each node takes (the scheduler spreads them). */
  podsPerNode: number;
  log: (line: string) => void;
}

export async function startKwok(opts: KwokOptions): Promise<Kwok> {
  const supervisor = new Supervisor('persona-kwok');
  const config = join(supervisor.dir, 'stages.yaml');
  writeFileSync(config, `${NODE_STAGES}---${POD_STAGES}`);
  let tail = '';
  let proc: ManagedProcess;
  try {
    proc = supervisor.spawn(
      'kwok',
      opts.kwokPath,
      [
        `--kubeconfig=${opts.kubeconfigPath}`,
        `--config=${config}`,
        `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
        // Without it this kwok renews no node Lease and the node lifecycle controller marks
        // the nodes, and with them every pod, not ready after 40 s.
        '--node-lease-duration-seconds=40',
        '--cidr=10.96.0.0/12',
        '--node-ip=10.95.0.1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: supervisor.dir } },
    );
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-64 * 1024));
  proc.child.stdout?.on('data', keep);
  proc.child.stderr?.on('data', keep);

  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const nodes = Array.from({ length: opts.nodes }, (_, i) => `kwok-node-${i}`);
  const capacity = { cpu: '1000', memory: '4Ti', pods: String(opts.podsPerNode) };
  for (const name of nodes) {
    await core.createNode({
      body: {
        metadata: {
          name,
          annotations: { [FAKE_NODE_ANNOTATION]: 'fake' },
          labels: { 'kubernetes.io/hostname': name, type: 'kwok' },
        },
        status: { capacity, allocatable: capacity },
      },
    });
  }
  const stop = async () => {
    await supervisor.stop();
  };
  try {
    await waitFor(
      `kwok to mark ${nodes.length} nodes Ready`,
      async () => {
        const exit = proc.exitInfo();
        if (exit) throw new Error(`kwok exited (${JSON.stringify(exit)}):\n${tail}`);
        const { items } = await core.listNode({ labelSelector: 'type=kwok' });
        const ready = items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === nodes.length || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nkwok log:\n${tail}`);
  }
  opts.log(`kwok: ${nodes.length} simulated nodes Ready (${opts.podsPerNode} pods each)`);
  return { nodes, logs: () => tail, stop };
}
