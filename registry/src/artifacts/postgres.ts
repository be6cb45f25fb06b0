// The default store: the artifact sits in the registry itself (model_artifacts), written in the
// same transaction that registers the version, so a version never exists without its artifact.
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import {
  ArtifactStoreError,
  decodeArtifact,
  type ArtifactRef,
  type ArtifactStore,
  type StoreContext,
} from './store.ts';

const SCHEME = 'registry:';

export class PostgresArtifactStore implements ArtifactStore {
  readonly kind = 'postgres' as const;

  uriFor(ref: ArtifactRef): string {
    return `${SCHEME}${encodeURIComponent(ref.namespace)}/${encodeURIComponent(ref.name)}/${ref.version}`;
  }

  async put(ref: ArtifactRef, artifact: ModelArtifact, ctx: StoreContext): Promise<string> {
    await ctx.db.query(
      `INSERT INTO model_artifacts (model_id, version, document) VALUES ($1, $2, $3)
       ON CONFLICT (model_id, version) DO UPDATE SET document = EXCLUDED.document`,
      [ctx.modelId, ref.version, JSON.stringify(artifact)],
    );
    return this.uriFor(ref);
  }

  async get(uri: string, ctx: Pick<StoreContext, 'db'>): Promise<ModelArtifact> {
    const ref = parseRegistryUri(uri);
    const res = await ctx.db.query<{ document: unknown }>(
      `SELECT a.document FROM model_artifacts a JOIN models m ON m.id = a.model_id
       WHERE m.namespace = $1 AND m.name = $2 AND a.version = $3`,
      [ref.namespace, ref.name, ref.version],
    );
    if (res.rows.length === 0) throw new ArtifactStoreError(uri, 'no artifact stored in the registry');
    return decodeArtifact(uri, res.rows[0].document);
  }
}

export function isRegistryUri(uri: string): boolean {
  return uri.startsWith(SCHEME);
}

function parseRegistryUri(uri: string): ArtifactRef {
  const parts = uri.slice(SCHEME.length).split('/');
  const version = Number(parts[2]);
  if (!isRegistryUri(uri) || parts.length !== 3 || !Number.isInteger(version)) {
    throw new ArtifactStoreError(
      uri,
      `not a registry artifact URI (expected ${SCHEME}<namespace>/<name>/<version>)`,
    );
  }
  return { namespace: decodeURIComponent(parts[0]), name: decodeURIComponent(parts[1]), version };
}
