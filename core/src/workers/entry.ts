// Where a worker thread's code lives. From the sources it is a TypeScript module, which a
// worker cannot load by itself (Node starts a worker's entry before any --import hook runs),
// so a tiny eval'd bootstrap registers tsx first. In the bundle (scripts/bundle.mjs) it is a
// plain .mjs file beside persona.mjs, which import.meta.url of the bundle points at.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export interface WorkerEntry {
  /** The worker's TypeScript module, relative to the caller's source file. */
  source: URL;
  /** The bundled worker file, relative to the bundle (scripts/bundle.mjs names it). */
  bundled: URL;
}

export type ResolvedEntry = { kind: 'source' | 'bundled'; url: URL };

const onDisk = (u: URL): boolean => u.protocol === 'file:' && existsSync(fileURLToPath(u));

/** The entry that exists on disk, sources first; undefined means run in the calling thread. */
export function resolveWorkerEntry(entry: WorkerEntry): ResolvedEntry | undefined {
  if (onDisk(entry.source)) return { kind: 'source', url: entry.source };
  if (onDisk(entry.bundled)) return { kind: 'bundled', url: entry.bundled };
  return undefined;
}

export function startWorker(entry: ResolvedEntry, options: WorkerOptions = {}): Worker {
  if (entry.kind === 'bundled') return new Worker(entry.url, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
