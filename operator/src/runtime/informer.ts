// A list+watch cache that does not give up. client-node 1.4's informer stops on any watch
// error other than 410 and has no watch timeout, so a half-open connection hangs silently.
// Here every watch carries a server-side timeout and a local watchdog (no event or bookmark
// for longer than that: abort and watch again), errors retry with backoff, and a 410 Gone
// (the resourceVersion was compacted) relists and emits the differences as events.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { apiStatusCode, describeApiError } from './k8s-errors.ts';
import type { Logger } from './logger.ts';

export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** The watch half of client-node's `Watch`, so the informer can be given one. */
export interface Watcher {
  watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }>;
}

export type InformerEvent = 'add' | 'update' | 'delete';
export type RestartReason = 'timeout' | 'error' | 'watchdog' | 'gone' | 'list-error';

export interface InformerOptions<T> {
  /** For logs and metrics, e.g. "personamodels". */
  name: string;
  /** Collection path, e.g. /apis/personas.dtc.dev/v1alpha1/personamodels. */
  path: string;
  list: () => Promise<ListResult<T>>;
  watcher: Watcher;
  labelSelector?: string;
  /** Server-side watch timeout; the server ends the watch cleanly and we resume from our RV. */
  watchTimeoutSeconds?: number;
  /** Silence longer than this aborts the watch; defaults to the timeout plus 30 s. */
  watchdogMs?: number;
  backoff?: BackoffOptions;
  logger: Logger;
  clock?: Clock;
  onRestart?: (reason: RestartReason) => void;
  /** Applied to every object before it is cached; by default drops metadata.managedFields. */
  transform?: (obj: T) => T;
}

/**
 * The field managers' records are a large part of most objects' metadata and nothing in the
 * operator reads them (server-side apply keeps them on the server), so the cache leaves them
 * out, as controller-runtime's TransformStripManagedFields does; an update without them keeps them.
 */
export function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  if (!obj?.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

export function objectKey(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : (obj.metadata?.name ?? '');
}

/** The values an object is filed under in one index (e.g. the model a Job belongs to). */
export type IndexFunc<T> = (obj: T) => string[];

interface Index<T> {
  valuesOf: IndexFunc<T>;
  /** value -> keys of the cached objects filed under it. */
  keys: Map<string, Set<string>>;
}

export class ResilientInformer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  /** The indices by name, as client-go's Indexer keeps them. */
  private readonly indices = new Map<string, Index<T>>();
  private readonly handlers: Record<InformerEvent, ((obj: T, old?: T) => void)[]> = {
    add: [],
    update: [],
    delete: [],
  };
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly timeoutSeconds: number;
  private readonly watchdogMs: number;
  private readonly transform: (obj: T) => T;
  private resourceVersion = '';
  private watchStartedAt = 0;
  private generation = 0;
  private handle: { abort(): void } | undefined;
  private watchdog: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private stopped = true;
  private synced = false;
  private syncWaiters: (() => void)[] = [];

  constructor(private readonly opts: InformerOptions<T>) {
    this.clock = opts.clock ?? systemClock;
    this.backoff = new Backoff(opts.backoff ?? { baseMs: 200, maxMs: 30_000, jitter: 0.2 });
    this.timeoutSeconds = opts.watchTimeoutSeconds ?? 300;
    this.watchdogMs = opts.watchdogMs ?? this.timeoutSeconds * 1000 + 30_000;
    this.transform = opts.transform ?? withoutManagedFields;
  }

  on(event: InformerEvent, handler: (obj: T, old?: T) => void): void {
    this.handlers[event].push(handler);
  }

  /** Starts listing and watching; resolves once the first list has filled the cache. */
  start(): Promise<void> {
    if (this.stopped) {
      this.stopped = false;
      void this.listAndWatch();
    }
    return this.waitForSync();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.teardown();
    this.retryTimer?.cancel();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /**
   * Files every cached object (now and from now on) under `valuesOf(obj)` in index `name`, so
   * `byIndex` answers without a scan. A name already added keeps its first function.
   */
  addIndex(name: string, valuesOf: IndexFunc<T>): void {
    if (this.indices.has(name)) return;
    const index: Index<T> = { valuesOf, keys: new Map() };
    this.indices.set(name, index);
    for (const [key, obj] of this.cache) this.file(index, key, obj);
  }

  /** The cached objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`informer ${this.opts.name} has no index ${name}`);
    const out: T[] = [];
    for (const key of index.keys.get(value) ?? []) {
      const obj = this.cache.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** The resourceVersion the next watch resumes from. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private async listAndWatch(): Promise<void> {
    const gen = ++this.generation;
    this.teardown();
    let result: ListResult<T>;
    try {
      result = await this.opts.list();
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.opts.logger.warn(
        { informer: this.opts.name, err: describeApiError(err) },
        'list failed; retrying',
      );
      this.scheduleRetry('list-error', () => this.listAndWatch());
      return;
    }
    if (gen !== this.generation || this.stopped) return;
    this.replace(result.items);
    this.resourceVersion = result.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    await this.startWatch();
  }

  private async startWatch(): Promise<void> {
    const gen = ++this.generation;
    this.teardown();
    this.armWatchdog(gen);
    this.watchStartedAt = this.clock.now();
    const query = {
      allowWatchBookmarks: true,
      resourceVersion: this.resourceVersion,
      timeoutSeconds: this.timeoutSeconds,
      labelSelector: this.opts.labelSelector,
    };
    try {
      const handle = await this.opts.watcher.watch(
        this.opts.path,
        query,
        (phase, obj) => {
          if (gen === this.generation) this.onEvent(gen, phase, obj);
        },
        (err) => {
          if (gen === this.generation) this.onDone(err);
        },
      );
      if (gen === this.generation) this.handle = handle;
      else handle.abort();
    } catch (err) {
      if (gen === this.generation) this.onDone(err);
    }
  }

  private onEvent(gen: number, phase: string, raw: unknown): void {
    this.armWatchdog(gen);
    if (phase === 'ERROR') {
      const code = (raw as { code?: number })?.code;
      this.generation++;
      this.teardown();
      if (code === 410) return this.restart('gone', () => this.listAndWatch(), false);
      this.opts.logger.warn({ informer: this.opts.name, status: raw }, 'watch reported an error');
      return this.scheduleRetry('error', () => this.startWatch());
    }
    const obj = this.transform(raw as T);
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (phase === 'BOOKMARK') return;
    this.backoff.reset();
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (phase === 'DELETED') {
      this.remove(key);
      this.emit('delete', obj, old);
    } else if (phase === 'ADDED' || phase === 'MODIFIED') {
      this.put(key, obj);
      this.emit(old ? 'update' : 'add', obj, old);
    }
  }

  private onDone(err: unknown): void {
    if (this.stopped) return;
    this.generation++;
    this.teardown();
    // A clean end is the server-side timeout; one right after opening is a misbehaving
    // server or proxy, and re-watching at once would spin.
    if (!err && this.clock.now() - this.watchStartedAt >= 1000) {
      return this.restart('timeout', () => this.startWatch(), false);
    }
    if (!err) return this.scheduleRetry('error', () => this.startWatch());
    if (apiStatusCode(err) === 410) return this.restart('gone', () => this.listAndWatch(), false);
    this.opts.logger.warn({ informer: this.opts.name, err: describeApiError(err) }, 'watch failed; retrying');
    this.scheduleRetry('error', () => this.startWatch());
  }

  private armWatchdog(gen: number): void {
    this.watchdog?.cancel();
    this.watchdog = this.clock.setTimeout(() => {
      if (gen !== this.generation || this.stopped) return;
      this.opts.logger.warn(
        { informer: this.opts.name, silentMs: this.watchdogMs },
        'watch went silent; reconnecting',
      );
      this.generation++;
      this.teardown();
      this.restart('watchdog', () => this.startWatch(), false);
    }, this.watchdogMs);
  }

  private scheduleRetry(reason: RestartReason, fn: () => Promise<void>): void {
    this.restart(reason, fn, true);
  }

  private restart(reason: RestartReason, fn: () => Promise<void>, delayed: boolean): void {
    this.opts.onRestart?.(reason);
    this.retryTimer?.cancel();
    const run = () => {
      if (!this.stopped) void fn();
    };
    if (delayed) this.retryTimer = this.clock.setTimeout(run, this.backoff.next());
    else run();
  }

  private teardown(): void {
    this.watchdog?.cancel();
    this.watchdog = undefined;
    const h = this.handle;
    this.handle = undefined;
    h?.abort();
  }

  private replace(items: T[]): void {
    const fresh = new Map(items.map((o) => [objectKey(o), this.transform(o)] as const));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.remove(key);
        this.emit('delete', old, old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.cache.get(key);
      this.put(key, obj);
      if (!old) this.emit('add', obj);
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit('update', obj, old);
    }
  }

  private put(key: string, obj: T): void {
    const old = this.cache.get(key);
    for (const index of this.indices.values()) {
      if (old) this.unfile(index, key, old);
      this.file(index, key, obj);
    }
    this.cache.set(key, obj);
  }

  private remove(key: string): void {
    const old = this.cache.get(key);
    if (!old) return;
    for (const index of this.indices.values()) this.unfile(index, key, old);
    this.cache.delete(key);
  }

  private file(index: Index<T>, key: string, obj: T): void {
    for (const value of index.valuesOf(obj)) {
      let keys = index.keys.get(value);
      if (!keys) index.keys.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unfile(index: Index<T>, key: string, obj: T): void {
    for (const value of index.valuesOf(obj)) {
      const keys = index.keys.get(value);
      keys?.delete(key);
      if (keys?.size === 0) index.keys.delete(value);
    }
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const h of this.handlers[event]) {
      try {
        h(obj, old);
      } catch (err) {
        this.opts.logger.error({ informer: this.opts.name, err }, 'informer handler threw');
      }
    }
  }
}
