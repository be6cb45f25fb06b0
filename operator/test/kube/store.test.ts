// Store: lookups across namespaces' informers, and our own writes winning over a cache that
// has not caught up yet, until the watch delivers them or the object is deleted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Store } from '../../src/kube/informers.ts';
import { ResilientInformer, type Watcher } from '../../src/runtime/informer.ts';
import { silentLogger } from '../../src/runtime/logger.ts';

type Push = (phase: string, obj: KubernetesObject) => void;

function informer(items: KubernetesObject[]): { inf: ResilientInformer<KubernetesObject>; push: () => Push } {
  let callback: Push = () => undefined;
  const watcher: Watcher = {
    watch: async (_path, _query, cb) => {
      callback = cb;
      return { abort: () => undefined };
    },
  };
  const inf = new ResilientInformer<KubernetesObject>({
    name: 'things',
    path: '/things',
    list: async () => ({ items, metadata: { resourceVersion: '10' } }),
    watcher,
    logger: silentLogger,
  });
  return { inf, push: () => callback };
}

const obj = (ns: string, name: string, rv: string, extra: object = {}): KubernetesObject => ({
  metadata: { namespace: ns, name, resourceVersion: rv },
  ...extra,
});

describe('Store', () => {
  test('finds objects in any of its informers', async () => {
    const a = informer([obj('a', 'x', '5')]);
    const b = informer([obj('b', 'y', '6')]);
    const store = new Store([a.inf, b.inf]);
    await Promise.all([a.inf.start(), b.inf.start()]);
    assert.equal(store.get('a/x')?.metadata?.resourceVersion, '5');
    assert.equal(store.get('b/y')?.metadata?.resourceVersion, '6');
    assert.equal(store.get('a/y'), undefined);
    assert.equal(store.list().length, 2);
    a.inf.stop();
    b.inf.stop();
  });

  test('a remembered write wins until the cache holds it or something newer', async () => {
    const a = informer([obj('a', 'x', '5', { status: 'old' })]);
    const store = new Store([a.inf]);
    await a.inf.start();
    store.remember('a/x', obj('a', 'x', '7', { status: 'mine' }));
    assert.equal((store.get('a/x') as { status?: string }).status, 'mine');
    a.push()('MODIFIED', obj('a', 'x', '8', { status: 'theirs' }));
    assert.equal((store.get('a/x') as { status?: string }).status, 'theirs');
    a.inf.stop();
  });

  test('a deleted object does not live on as a remembered write', async () => {
    const a = informer([obj('a', 'x', '5')]);
    const store = new Store([a.inf]);
    await a.inf.start();
    store.remember('a/x', obj('a', 'x', '7'));
    a.push()('DELETED', obj('a', 'x', '9'));
    assert.equal(store.get('a/x'), undefined);
    a.inf.stop();
  });
});
