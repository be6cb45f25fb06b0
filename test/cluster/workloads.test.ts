// Workloads on the real control plane with the node agent: Jobs that complete and
// fail (with real exit codes), a Deployment behind a Service whose EndpointSlice
// lists the Ready pods' IPs, pod env and API access, unknown images, and graceful
// termination.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  RbacAuthorizationV1Api,
  type V1Job,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { startCluster, hostCommandImage, nodeImage, type Cluster } from './index.ts';
import { waitFor } from './wait.ts';

const NS = 'work';

// A tiny HTTP server for the pods: ready after a short delay, reports who it is,
// and says when it gets SIGTERM.
const WEB_SERVER = `
const http = require('node:http');
let ready = false;
setTimeout(() => { ready = true; }, 300);
const server = http.createServer((req, res) => {
  if (req.url === '/ready') { res.statusCode = ready ? 200 : 503; return res.end(); }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ pod: process.env.POD_NAME, ip: process.env.POD_IP }));
});
server.listen(8080, process.env.PERSONA_BIND_ADDRESS, () => console.log('listening on ' + process.env.PERSONA_BIND_ADDRESS));
process.on('SIGTERM', () => { console.log('got SIGTERM'); server.close(); process.exit(0); });
`;

describe('local cluster: workloads through the node agent', () => {
  let cluster: Cluster;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  const diagnostics = (): string => cluster.diagnostics();
  const wait = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000) =>
    waitFor(what, check, { timeoutMs, diagnostics });

  before(async () => {
    cluster = await startCluster({
      images: { 'persona-test/shell': hostCommandImage, 'persona-test/node': nodeImage },
    });
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
    await cluster.controlPlane.createNamespace(NS);
  });
  after(async () => {
    await cluster?.stop();
  });

  const shellJob = (name: string, script: string, extra: Partial<V1Job['spec']> = {}): V1Job => ({
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...extra,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'persona-test/shell:1', command: ['/bin/sh', '-c', script] }],
        },
      },
    },
  });
  const jobCondition = (name: string, type: string) =>
    wait(`Job ${name} to have condition ${type}`, async () => {
      const job = await batch.readNamespacedJob({ name, namespace: NS });
      return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
    });
  const podsOf = async (selector: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: selector })).items;

  test('a node registers Ready', async () => {
    const node = await core.readNode({ name: cluster.nodeAgent.nodeName });
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
  });

  test('a Job whose pod runs a real command reaches Complete', async () => {
    await batch.createNamespacedJob({
      namespace: NS,
      body: shellJob('hello', 'echo "hello from $HOSTNAME"'),
    });
    await jobCondition('hello', 'Complete');
    const [pod] = await podsOf('job-name=hello');
    assert.equal(pod.status?.phase, 'Succeeded');
    assert.equal(pod.status?.containerStatuses?.[0].state?.terminated?.reason, 'Completed');
    assert.match(
      cluster.nodeAgent.podOutput(NS, pod.metadata!.name!),
      new RegExp(`hello from ${pod.metadata!.name}`),
    );
  });

  test('a Job whose command exits non-zero reaches Failed with the exit code recorded', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: shellJob('broken', 'echo failing >&2; exit 3') });
    const failed = await jobCondition('broken', 'Failed');
    assert.equal(failed.reason, 'BackoffLimitExceeded');
    const [pod] = await podsOf('job-name=broken');
    assert.equal(pod.status?.phase, 'Failed');
    const terminated = pod.status?.containerStatuses?.[0].state?.terminated;
    assert.equal(terminated?.exitCode, 3);
    assert.equal(terminated?.reason, 'Error');
  });

  test('a podFailurePolicy on exit code 2 fails the Job at once', async () => {
    await batch.createNamespacedJob({
      namespace: NS,
      body: shellJob('bad-config', 'exit 2', {
        backoffLimit: 5,
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [2] } }] },
      }),
    });
    const failed = await jobCondition('bad-config', 'Failed');
    assert.equal(failed.reason, 'PodFailurePolicy');
    assert.equal((await podsOf('job-name=bad-config')).length, 1);
  });

  test('the default image table runs persona-operator images as the persona CLI', async () => {
    const job = shellJob('persona-help', '');
    job.spec!.template.spec!.containers = [
      {
        name: 'persona',
        image: 'registry.example/acme/persona-operator:dev',
        command: ['persona'],
        args: ['--help'],
      },
    ];
    await batch.createNamespacedJob({ namespace: NS, body: job });
    await jobCondition('persona-help', 'Complete');
    const [pod] = await podsOf('job-name=persona-help');
    assert.match(cluster.nodeAgent.podOutput(NS, pod.metadata!.name!), /Usage: persona <command>/);
  });

  test('a Deployment behind a Service: Ready pods, EndpointSlice with their IPs, HTTP to a pod', async () => {
    const { kind, note } = cluster.nodeAgent.podNetwork;
    assert.equal(
      kind,
      'anyip',
      `the API server rejects loopback pod IPs in EndpointSlices and the agent fell back to them (${note}); ` +
        'run the tests as root or with CAP_NET_ADMIN, or once: sudo ip route add local 198.18.0.0/15 dev lo',
    );
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          // Availability then depends on the Ready condition's lastTransitionTime, which the agent must report.
          minReadySeconds: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'registry.example/persona-test/node:1',
                  args: ['-e', WEB_SERVER],
                  ports: [{ name: 'http', containerPort: 8080 }],
                  env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'web' },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 'http' }] },
      },
    });
    await wait('Deployment web to have 2 available replicas', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
      return d.status?.availableReplicas === 2;
    });
    const pods = await podsOf('app=web');
    const podIPs = pods.map((p) => p.status!.podIP!).sort();
    assert.equal(new Set(podIPs).size, 2, 'each pod gets its own IP');
    for (const ip of podIPs) assert.match(ip, /^198\.1[89]\.\d+\.\d+$/);
    const discovery = cluster.kubeConfig.makeApiClient(DiscoveryV1Api);
    await wait('the EndpointSlice of Service web to list both ready pod IPs', async () => {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace: NS,
        labelSelector: 'kubernetes.io/service-name=web',
      });
      const ready = slices.items
        .flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready)
        .flatMap((e) => e.addresses)
        .sort();
      return JSON.stringify(ready) === JSON.stringify(podIPs);
    });
    const target = pods[0];
    const res = await fetch(`http://${target.status!.podIP}:8080/`);
    assert.deepEqual(await res.json(), { pod: target.metadata!.name, ip: target.status!.podIP });

    // Deleting the Deployment cascades to its ReplicaSet and pods; the agent stops them with SIGTERM.
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: NS, propagationPolicy: 'Foreground' });
    await wait('the web pods to be gone', async () => (await podsOf('app=web')).length === 0);
    assert.match(cluster.nodeAgent.podOutput(NS, target.metadata!.name!), /got SIGTERM/);
    await assert.rejects(fetch(`http://${target.status!.podIP}:8080/`));
  });

  test('pods get literal, secret, configmap and field env, and API access as their ServiceAccount', async () => {
    await core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: 'creds' }, stringData: { url: 'postgres://x' } },
    });
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'settings' }, data: { mode: 'fit' } },
    });
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'lister' } } });
    const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: NS,
      body: {
        metadata: { name: 'lister' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: 'lister' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'lister' },
        subjects: [{ kind: 'ServiceAccount', name: 'lister', namespace: NS }],
      },
    });
    const script = [
      'echo "GREETING=$GREETING URL=$DB_URL MODE=$MODE NAME=$MY_NAME NS=$MY_NS IP=$MY_IP BIND=$PERSONA_BIND_ADDRESS"',
      'kubectl get configmaps -o name',
      'if kubectl get secrets 2>&1; then exit 9; fi',
    ].join('\n');
    const spec: V1PodSpec = {
      restartPolicy: 'Never',
      serviceAccountName: 'lister',
      containers: [
        {
          name: 'main',
          image: 'persona-test/shell',
          command: ['/bin/sh', '-c', script],
          env: [
            { name: 'WHO', value: 'world' },
            { name: 'GREETING', value: 'hello-$(WHO)' },
            { name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'creds', key: 'url' } } },
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
            { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
        },
      ],
    };
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'env-check' }, spec } });
    const pod = await wait('pod env-check to finish', async () => {
      const p = await core.readNamespacedPod({ name: 'env-check', namespace: NS });
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    });
    const output = cluster.nodeAgent.podOutput(NS, 'env-check');
    assert.equal(pod.status?.phase, 'Succeeded', output);
    const ip = pod.status!.podIP!;
    assert.match(
      output,
      new RegExp(
        `GREETING=hello-world URL=postgres://x MODE=fit NAME=env-check NS=${NS} IP=${ip.replace(/\./g, '\\.')} BIND=${ip.replace(/\./g, '\\.')}`,
      ),
    );
    assert.match(output, /configmap\/settings/);
    assert.match(output, /Forbidden|forbidden/);
  });

  test('a pod with an unknown image waits with a clear reason', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name: 'foreign' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    });
    const waiting = await wait('pod foreign to report why it cannot run', async () => {
      const p = await core.readNamespacedPod({ name: 'foreign', namespace: NS });
      return p.status?.containerStatuses?.[0].state?.waiting?.reason === 'ErrImagePull'
        ? p.status.containerStatuses[0].state.waiting
        : undefined;
    });
    assert.match(waiting.message ?? '', /image "nginx:1\.27" is not runnable by the node agent/);
  });

  test('a pod that ignores SIGTERM is killed after its grace period, then removed', async () => {
    // `$$$$` is the shell's `$$`: the kubelet's $(VAR) expansion turns `$$` into `$`.
    const script = `trap 'echo ignoring SIGTERM' TERM; echo "pid $$$$"; while true; do sleep 0.1; done`;
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'stubborn' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'persona-test/shell', command: ['/bin/sh', '-c', script] }],
        },
      },
    });
    await wait('pod stubborn to run', async () =>
      /pid \d+/.test(cluster.nodeAgent.podOutput(NS, 'stubborn')),
    );
    const pid = Number(/pid (\d+)/.exec(cluster.nodeAgent.podOutput(NS, 'stubborn'))![1]);
    await core.deleteNamespacedPod({ name: 'stubborn', namespace: NS });
    await wait('pod stubborn to be removed', async () => {
      try {
        await core.readNamespacedPod({ name: 'stubborn', namespace: NS });
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    assert.match(cluster.nodeAgent.podOutput(NS, 'stubborn'), /ignoring SIGTERM/);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });

  test('a crashing container with restartPolicy Always is restarted with back-off', async () => {
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: 'crasher' },
        spec: {
          containers: [{ name: 'main', image: 'persona-test/shell', command: ['/bin/sh', '-c', 'exit 4'] }],
        },
      },
    });
    const status = await wait('pod crasher to be restarted', async () => {
      const p = await core.readNamespacedPod({ name: 'crasher', namespace: NS });
      const cs = p.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 1 ? cs : undefined;
    });
    assert.equal(status.lastState?.terminated?.exitCode, 4);
  });

  test('the node agent carries on after an API server restart', async () => {
    await cluster.controlPlane.restartApiServer();
    await batch.createNamespacedJob({ namespace: NS, body: shellJob('after-restart', 'echo still here') });
    await jobCondition('after-restart', 'Complete');
    const node = await core.readNode({ name: cluster.nodeAgent.nodeName });
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });
});
