// What the informers cache, on the local control plane: objects without their managedFields
// (the largest part of most objects' metadata, which nothing in the operator reads), and an
// update of a cached object still leaves the server's field managers as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { startControlPlane, waitFor, type ControlPlane } from '../../../test/cluster/index.ts';
import { makeClients, type KubeClients } from '../../src/kube/clients.ts';
import { ResilientInformer } from '../../src/runtime/informer.ts';
import { silentLogger } from '../../src/runtime/logger.ts';

let cp: ControlPlane;
let clients: KubeClients;
let informer: ResilientInformer<V1ConfigMap> | undefined;

before(async () => {
  cp = await startControlPlane();
  clients = makeClients(cp.kubeConfig);
});

after(async () => {
  informer?.stop();
  await cp?.stop();
});

test('cached objects carry no managedFields; writing one back keeps them on the server', async () => {
  const namespace = 'informer-cache';
  await cp.createNamespace(namespace);
  await clients.core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'listed' }, data: { value: '1' } },
  });
  informer = new ResilientInformer<V1ConfigMap>({
    name: 'configmaps',
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => clients.core.listNamespacedConfigMap({ namespace }),
    watcher: clients.watcher,
    logger: silentLogger,
  });
  await informer.start();
  await clients.core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'watched' }, data: { value: '1' } },
  });
  const watched = await waitFor('the watch to deliver the new ConfigMap', async () =>
    informer!.get(`${namespace}/watched`),
  );
  const listed = informer.get(`${namespace}/listed`);
  assert.ok(listed, 'the list filled the cache');
  for (const cm of [listed, watched]) {
    assert.equal(
      cm.metadata?.managedFields,
      undefined,
      `${cm.metadata?.name} is cached without managedFields`,
    );
    assert.ok(cm.metadata?.resourceVersion, 'the rest of the metadata is kept');
  }
  const server = await clients.core.readNamespacedConfigMap({ name: 'listed', namespace });
  assert.ok((server.metadata?.managedFields ?? []).length > 0, 'the server records its field managers');

  await clients.core.replaceNamespacedConfigMap({
    name: 'listed',
    namespace,
    body: { ...listed, data: { value: '2' } },
  });
  const after = await clients.core.readNamespacedConfigMap({ name: 'listed', namespace });
  assert.equal(after.data?.value, '2');
  assert.ok((after.metadata?.managedFields ?? []).length > 0, 'an update without them keeps them');
});
