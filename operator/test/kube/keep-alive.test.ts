// API calls on the local control plane share kept-alive connections: calls one after another
// use one connection, calls at once no more connections than calls in flight, and a client
// stays usable after its idle connections are closed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startControlPlane, type ControlPlane } from '../../../test/cluster/index.ts';
import { makeClients, type KubeClients } from '../../src/kube/clients.ts';
import { createMetrics } from '../../src/runtime/metrics.ts';

let cp: ControlPlane;
let clients: KubeClients;
const metrics = createMetrics();
const sockets = new Set<Socket>();

before(async () => {
  cp = await startControlPlane();
  clients = makeClients(cp.kubeConfig, metrics);
  // The agent exists from the first call on; every response hands its socket back with 'free'.
  await clients.core.listNamespace();
  const agent = clients.auth.agent;
  assert.ok(agent, 'the calls go through the shared agent');
  agent.on('free', (socket: Socket) => sockets.add(socket));
});

after(async () => {
  clients?.auth.close();
  await cp?.stop();
});

test('calls one after another reuse one connection', async () => {
  sockets.clear();
  for (let i = 0; i < 6; i++) await clients.core.listNamespace();
  await clients.batch.listJobForAllNamespaces();
  assert.equal(sockets.size, 1, 'seven sequential calls over one connection');
});

test('calls at once open at most one connection each, then reuse them', async () => {
  sockets.clear();
  await Promise.all(Array.from({ length: 4 }, () => clients.core.listNamespace()));
  const concurrent = sockets.size;
  assert.ok(concurrent >= 1 && concurrent <= 4, `4 calls at once used ${concurrent} connections`);
  for (let i = 0; i < 4; i++) await clients.core.listNamespace();
  assert.equal(sockets.size, concurrent, 'the later calls found a free connection');
});

test('after close the next call connects again and the calls go on sharing', async () => {
  const before = clients.auth.agent;
  clients.auth.close();
  sockets.clear();
  await clients.core.listNamespace();
  const agent = clients.auth.agent;
  assert.ok(agent && agent !== before, 'a new shared agent');
  agent.on('free', (socket: Socket) => sockets.add(socket));
  await clients.core.listNamespace();
  await clients.core.listNamespace();
  assert.equal(sockets.size, 1);
});

test('every call is counted and timed by verb and resource, failed ones too', async () => {
  const counted = async (verb: string, resource: string) =>
    (await metrics.apiLatency.get()).values.find(
      (v) =>
        v.metricName === 'persona_operator_api_request_duration_seconds_count' &&
        v.labels.verb === verb &&
        v.labels.resource === resource,
    )?.value ?? 0;
  const listed = await counted('list', 'Namespace');
  await clients.core.listNamespace();
  await assert.rejects(clients.core.readNamespace({ name: 'no-such-namespace' }));
  assert.equal(await counted('list', 'Namespace'), listed + 1);
  assert.equal(await counted('read', 'Namespace'), 1);
});
