// Shared informers: one list+watch per (resource, namespace, selector), however many
// controllers read it, and a Store that answers lookups across the watched namespaces.
import type { KubernetesObject, V1Deployment, V1Job, V1Service } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../api/v1alpha1/common.ts';
import { PERSONA_MODEL_PLURAL, type PersonaModel } from '../api/v1alpha1/personamodel.ts';
import {
  ResilientInformer,
  objectKey,
  withoutManagedFields,
  type IndexFunc,
  type InformerEvent,
  type ListResult,
} from '../runtime/informer.ts';
import type { Logger } from '../runtime/logger.ts';
import type { OperatorMetrics } from '../runtime/metrics.ts';
import type { KubeClients } from './clients.ts';

export interface ResourceKind<T extends KubernetesObject> {
  /** Plural, for logs and metrics. */
  name: string;
  /** Collection path for the watch, across all namespaces when `namespace` is undefined. */
  path(namespace: string | undefined): string;
  list(clients: KubeClients, namespace: string | undefined, labelSelector?: string): Promise<ListResult<T>>;
  /** What the cache keeps of each object; by default all but metadata.managedFields. */
  transform?: (obj: T) => T;
}

/**
 * A Job or Deployment without its pod template's spec (containers, env, volumes): the bulk
 * of either object, written by the operator and never read back from the cache. The template's
 * labels stay (they say which version a Deployment rolls out), as do replicas and status.
 */
export function withoutPodSpec<T extends V1Job | V1Deployment>(obj: T): T {
  const spec = obj.spec;
  if (!spec?.template?.spec) return obj;
  const { spec: _podSpec, ...template } = spec.template;
  return { ...obj, spec: { ...spec, template } };
}

const cachedWorkload = <T extends V1Job | V1Deployment>(obj: T): T =>
  withoutPodSpec(withoutManagedFields(obj));

const crdPath = (plural: string) => (ns: string | undefined) =>
  ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${plural}` : `/apis/${GROUP}/${VERSION}/${plural}`;

/** A custom resource kind of this operator's group, for controllers of other kinds. */
export function customKind<T extends KubernetesObject>(plural: string): ResourceKind<T> {
  return {
    name: plural,
    path: crdPath(plural),
    list: async (c, namespace, labelSelector) =>
      (namespace
        ? await c.custom.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural,
            labelSelector,
          })
        : await c.custom.listClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural,
            labelSelector,
          })) as ListResult<T>,
  };
}

export const personaModelKind: ResourceKind<PersonaModel> = customKind<PersonaModel>(PERSONA_MODEL_PLURAL);

export const jobKind: ResourceKind<V1Job> = {
  name: 'jobs',
  path: (ns) => (ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : '/apis/batch/v1/jobs'),
  list: async (c, namespace, labelSelector) =>
    (namespace
      ? await c.batch.listNamespacedJob({ namespace, labelSelector })
      : await c.batch.listJobForAllNamespaces({ labelSelector })) as ListResult<V1Job>,
  transform: cachedWorkload,
};

export const deploymentKind: ResourceKind<V1Deployment> = {
  name: 'deployments',
  path: (ns) => (ns ? `/apis/apps/v1/namespaces/${ns}/deployments` : '/apis/apps/v1/deployments'),
  list: async (c, namespace, labelSelector) =>
    (namespace
      ? await c.apps.listNamespacedDeployment({ namespace, labelSelector })
      : await c.apps.listDeploymentForAllNamespaces({ labelSelector })) as ListResult<V1Deployment>,
  transform: cachedWorkload,
};

export const serviceKind: ResourceKind<V1Service> = {
  name: 'services',
  path: (ns) => (ns ? `/api/v1/namespaces/${ns}/services` : '/api/v1/services'),
  list: async (c, namespace, labelSelector) =>
    (namespace
      ? await c.core.listNamespacedService({ namespace, labelSelector })
      : await c.core.listServiceForAllNamespaces({ labelSelector })) as ListResult<V1Service>,
};

/** Numeric resourceVersions (etcd revisions) compared; anything else counts as unknown. */
function newer(a: KubernetesObject, b: KubernetesObject): boolean {
  const ra = Number(a.metadata?.resourceVersion);
  const rb = Number(b.metadata?.resourceVersion);
  return Number.isFinite(ra) && Number.isFinite(rb) && ra > rb;
}

/**
 * The cached objects of one resource over every watched namespace. Objects the operator
 * itself just wrote are remembered until the watch delivers them (or something newer), so a
 * reconcile that follows its own write does not act on the state from before it.
 */
export class Store<T extends KubernetesObject> {
  private readonly written = new Map<string, T>();

  constructor(readonly informers: ResilientInformer<T>[]) {
    // A deleted object must not live on as our last write.
    for (const inf of informers) inf.on('delete', (obj) => this.written.delete(objectKey(obj)));
  }

  get(key: string): T | undefined {
    let cached: T | undefined;
    for (const inf of this.informers) {
      cached = inf.get(key);
      if (cached) break;
    }
    const mine = this.written.get(key);
    if (mine && (!cached || newer(mine, cached))) return mine;
    if (mine) this.written.delete(key);
    return cached;
  }

  list(): T[] {
    return this.informers.flatMap((i) => i.list());
  }

  /** See ResilientInformer.addIndex; each namespace's informer keeps its own. */
  addIndex(name: string, valuesOf: IndexFunc<T>): void {
    for (const inf of this.informers) inf.addIndex(name, valuesOf);
  }

  /**
   * The cached objects filed under `value` in index `name`: what the watches delivered, not
   * the writes remembered for `get` (an index lookup finds objects, not one known key).
   */
  byIndex(name: string, value: string): T[] {
    return this.informers.flatMap((i) => i.byIndex(name, value));
  }

  /** Records the object the API server returned for our write. */
  remember(key: string, obj: T): void {
    this.written.set(key, obj);
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  /**
   * Whether `obj` is exactly what our last remembered write of it returned. Its watch event
   * tells the controller that wrote it nothing: that reconcile went on from the written object.
   */
  isOwnWrite(obj: T): boolean {
    const rv = obj.metadata?.resourceVersion;
    return rv !== undefined && this.written.get(objectKey(obj))?.metadata?.resourceVersion === rv;
  }

  on(event: InformerEvent, handler: (obj: T, old?: T) => void): void {
    for (const inf of this.informers) inf.on(event, handler);
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }
}

export interface InformerFactoryOptions {
  clients: KubeClients;
  /** Namespaces to watch; undefined watches all. */
  namespaces?: string[];
  logger: Logger;
  metrics?: OperatorMetrics;
  watchTimeoutSeconds?: number;
}

export class InformerFactory {
  private readonly stores = new Map<string, Store<KubernetesObject>>();

  constructor(private readonly opts: InformerFactoryOptions) {}

  store<T extends KubernetesObject>(kind: ResourceKind<T>, labelSelector?: string): Store<T> {
    const id = `${kind.name}?${labelSelector ?? ''}`;
    const existing = this.stores.get(id);
    if (existing) return existing as unknown as Store<T>;
    const namespaces = this.opts.namespaces?.length ? this.opts.namespaces : [undefined];
    const informers = namespaces.map(
      (ns) =>
        new ResilientInformer<T>({
          name: ns ? `${kind.name}/${ns}` : kind.name,
          path: kind.path(ns),
          list: () => kind.list(this.opts.clients, ns, labelSelector),
          watcher: this.opts.clients.watcher,
          labelSelector,
          watchTimeoutSeconds: this.opts.watchTimeoutSeconds,
          transform: kind.transform,
          logger: this.opts.logger,
          onRestart: (reason) => this.opts.metrics?.watchRestarts.inc({ resource: kind.name, reason }),
        }),
    );
    const store = new Store<T>(informers);
    this.stores.set(id, store as unknown as Store<KubernetesObject>);
    return store;
  }

  async start(): Promise<void> {
    await Promise.all([...this.stores.values()].flatMap((s) => s.informers.map((i) => i.start())));
  }

  stop(): void {
    for (const s of this.stores.values()) for (const i of s.informers) i.stop();
  }

  hasSynced(): boolean {
    return [...this.stores.values()].every((s) => s.hasSynced());
  }
}
