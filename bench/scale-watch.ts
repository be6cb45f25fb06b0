// A watch for bench:scale that outlives the API server's watch timeout: when it ends it is
// opened again from the last resourceVersion seen (events are never lost, a few may repeat,
// which every handler here tolerates).
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export interface BenchWatch {
  stop(): void;
  /** Watch errors other than the normal end, for the bench's problems list. */
  errors(): string[];
}

export async function watchAll<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  path: string,
  labelSelector: string | undefined,
  onEvent: (phase: string, obj: T) => void,
): Promise<BenchWatch> {
  const watch = new Watch(kubeConfig);
  const errors: string[] = [];
  let resourceVersion: string | undefined;
  let stopped = false;
  let current: { abort(): void } | undefined;
  const open = async (): Promise<void> => {
    current = await watch.watch(
      path,
      { labelSelector, allowWatchBookmarks: true, ...(resourceVersion ? { resourceVersion } : {}) },
      (phase, obj: T) => {
        resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
        if (phase !== 'BOOKMARK') onEvent(phase, obj);
      },
      (err) => {
        if (stopped) return;
        if (err) errors.push(`${path}: ${(err as Error).message}`);
        setTimeout(() => void open().catch((e: unknown) => errors.push(`${path}: ${String(e)}`)), 200);
      },
    );
  };
  await open();
  return {
    stop: () => {
      stopped = true;
      current?.abort();
    },
    errors: () => [...errors],
  };
}
