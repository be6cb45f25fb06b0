// Store on the local control plane: lookups across namespaces' informers, and our own writes
// winning over a cache that has not caught up yet, until the cache holds something newer or
// the object is deleted. A stopped informer keeps its cache: that stands for a watch that lags.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { startControlPlane, waitFor, type ControlPlane } from '../../../test/cluster/index.ts';
import { makeClients, type KubeClients } from '../../src/kube/clients.ts';
import { Store } from '../../src/kube/informers.ts';
import { ResilientInformer } from '../../src/runtime/informer.ts';
import { silentLogger } from '../../src/runtime/logger.ts';

// Only this test's ConfigMaps (each namespace also holds the cluster's kube-root-ca.crt).
const LABELS = { 'persona-test': 'store' };
const SELECTOR = 'persona-test=store';

let cp: ControlPlane;
let clients: KubeClients;
const informers: ResilientInformer<V1ConfigMap>[] = [];

before(async () => {
  cp = await startControlPlane();
  clients = makeClients(cp.kubeConfig);
});

after(async () => {
  for (const inf of informers) inf.stop();
  await cp?.stop();
});

async function namespace(name: string): Promise<string> {
  await cp.createNamespace(name);
  return name;
}

function configMaps(namespace: string): ResilientInformer<V1ConfigMap> {
  const inf = new ResilientInformer<V1ConfigMap>({
    name: `configmaps/${namespace}`,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => clients.core.listNamespacedConfigMap({ namespace, labelSelector: SELECTOR }),
    watcher: clients.watcher,
    labelSelector: SELECTOR,
    logger: silentLogger,
  });
  informers.push(inf);
  return inf;
}

const create = (namespace: string, name: string, value: string) =>
  clients.core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name, labels: LABELS }, data: { value } },
  });

const replace = (namespace: string, name: string, value: string) =>
  clients.core.replaceNamespacedConfigMap({
    name,
    namespace,
    body: { metadata: { name, labels: LABELS }, data: { value } },
  });

const valueOf = (store: Store<V1ConfigMap>, key: string) => store.get(key)?.data?.value;

describe('Store', () => {
  test('finds objects in any of its informers', async () => {
    const [a, b] = await Promise.all([namespace('store-a'), namespace('store-b')]);
    await create(a, 'x', 'in a');
    await create(b, 'y', 'in b');
    const store = new Store([configMaps(a), configMaps(b)]);
    await Promise.all(store.informers.map((i) => i.start()));
    assert.equal(valueOf(store, 'store-a/x'), 'in a');
    assert.equal(valueOf(store, 'store-b/y'), 'in b');
    assert.equal(store.get('store-a/y'), undefined);
    assert.equal(store.list().length, 2);
  });

  test('a remembered write wins until the cache holds something newer', async () => {
    const ns = await namespace('store-c');
    await create(ns, 'x', 'old');
    const inf = configMaps(ns);
    const store = new Store([inf]);
    await inf.start();
    assert.equal(valueOf(store, 'store-c/x'), 'old');

    inf.stop();
    store.remember('store-c/x', await replace(ns, 'x', 'mine'));
    assert.equal(valueOf(store, 'store-c/x'), 'mine');
    await replace(ns, 'x', 'theirs');
    assert.equal(valueOf(store, 'store-c/x'), 'mine', 'the cache has not seen the newer write yet');

    await inf.start();
    await waitFor('the informer to see the newer write', async () =>
      inf.get('store-c/x')?.data?.value === 'theirs' ? true : undefined,
    );
    assert.equal(valueOf(store, 'store-c/x'), 'theirs');
  });

  test("the watch event of our own write is told from someone else's", async () => {
    const ns = await namespace('store-g');
    await create(ns, 'x', 'old');
    const inf = configMaps(ns);
    const store = new Store([inf]);
    const delivered: V1ConfigMap[] = [];
    inf.on('update', (cm) => delivered.push(cm));
    await inf.start();
    store.remember('store-g/x', await replace(ns, 'x', 'mine'));
    await waitFor('the watch to deliver our write', async () => (delivered.length === 1 ? true : undefined));
    await replace(ns, 'x', 'theirs');
    await waitFor('the watch to deliver their write', async () =>
      delivered.length === 2 ? true : undefined,
    );
    // Judged once the write is remembered: the watch may deliver it before the write's own
    // response is read (then the controller reconciles once more, which is harmless).
    assert.deepEqual(
      delivered.map((cm) => ({ value: cm.data?.value, own: store.isOwnWrite(cm) })),
      [
        { value: 'mine', own: true },
        { value: 'theirs', own: false },
      ],
    );
  });

  test('a deleted object does not live on as a remembered write', async () => {
    const ns = await namespace('store-d');
    await create(ns, 'x', 'old');
    const inf = configMaps(ns);
    const store = new Store([inf]);
    await inf.start();
    store.remember('store-d/x', await replace(ns, 'x', 'mine'));
    await clients.core.deleteNamespacedConfigMap({ name: 'x', namespace: ns });
    await waitFor('the informer to see the delete', async () =>
      inf.get('store-d/x') === undefined ? true : undefined,
    );
    assert.equal(store.get('store-d/x'), undefined);
  });

  test('an index files objects by value across namespaces and follows relabels and deletes', async () => {
    const [a, b] = await Promise.all([namespace('store-e'), namespace('store-f')]);
    const owned = (ns: string, name: string, owner: string) =>
      clients.core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name, labels: { ...LABELS, owner } } },
      });
    await owned(a, 'x', 'one');
    await owned(b, 'y', 'one');
    await owned(a, 'z', 'two');
    const store = new Store([configMaps(a), configMaps(b)]);
    await Promise.all(store.informers.map((i) => i.start()));
    // Added after the first list: what is cached already is filed too.
    store.addIndex('owner', (cm) => (cm.metadata?.labels?.owner ? [cm.metadata.labels.owner] : []));
    const names = (owner: string) =>
      store
        .byIndex('owner', owner)
        .map((cm) => cm.metadata?.name)
        .sort();
    assert.deepEqual(names('one'), ['x', 'y']);
    assert.deepEqual(names('two'), ['z']);
    assert.deepEqual(names('three'), []);

    await owned(b, 'w', 'two');
    await clients.core.patchNamespacedConfigMap(
      { name: 'x', namespace: a, body: { metadata: { labels: { owner: 'two' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await clients.core.deleteNamespacedConfigMap({ name: 'z', namespace: a });
    await waitFor('the watches to deliver the add, the relabel and the delete', async () =>
      JSON.stringify(names('two')) === JSON.stringify(['w', 'x']) ? true : undefined,
    );
    assert.deepEqual(names('one'), ['y'], 'the relabelled object left its old value');
    assert.throws(() => store.byIndex('nobody-added-this', 'x'), /no index nobody-added-this/);
  });
});
