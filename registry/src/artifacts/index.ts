// Picks a store from configuration (writers) or from a stored URI (readers).
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { GcsArtifactStore, gcsClient, isGsUri, readGcsArtifact, type GcsClientOptions } from './gcs.ts';
import { isRegistryUri, PostgresArtifactStore } from './postgres.ts';
import { ArtifactStoreError, type ArtifactStore, type Queryable } from './store.ts';
import { isFileUri, readVolumeArtifact, VolumeArtifactStore } from './volume.ts';

export * from './store.ts';
export { PostgresArtifactStore } from './postgres.ts';
export { GcsArtifactStore, type GcsClientOptions, type GcsStoreOptions } from './gcs.ts';
export { VolumeArtifactStore } from './volume.ts';

/** The `artifacts` field of a PersonaModel / training spec: exactly one store. */
export type ArtifactStoreConfig =
  | { postgres: Record<string, never> }
  | { gcs: { bucket: string; prefix?: string } }
  | { volume: { path: string } };

export function createArtifactStore(config: ArtifactStoreConfig, gcs: GcsClientOptions = {}): ArtifactStore {
  if ('postgres' in config) return new PostgresArtifactStore();
  if ('gcs' in config) return new GcsArtifactStore({ ...gcs, ...config.gcs });
  if ('volume' in config) return new VolumeArtifactStore(config.volume);
  throw new Error('artifact store: expected one of postgres, gcs, volume');
}

/** Reads the artifact a registry version points at, whichever store wrote it. */
export async function readArtifactUri(
  uri: string,
  ctx: { db: Queryable; gcs?: GcsClientOptions },
): Promise<ModelArtifact> {
  if (isRegistryUri(uri)) return new PostgresArtifactStore().get(uri, ctx);
  if (isGsUri(uri)) return readGcsArtifact(uri, await gcsClient(ctx.gcs));
  if (isFileUri(uri)) return readVolumeArtifact(uri);
  throw new ArtifactStoreError(uri, 'unknown artifact URI scheme (expected registry:, gs:// or file://)');
}
