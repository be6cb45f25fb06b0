// One interface for the places a model artifact can live. The registry records the URI a store
// returns, and any reader resolves that URI back to a store (readArtifactUri), so a predictor
// loading version N does not need to know how the trainer was configured.
import type pg from 'pg';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { ArtifactValidationError, parseArtifact } from '@persona-operator/core/artifact/validate';

/** Which model version an artifact belongs to. */
export interface ArtifactRef {
  namespace: string;
  name: string;
  version: number;
}

/** A connection or pool the `postgres` store writes through (the registry's open transaction). */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

export interface StoreContext {
  /** The registry transaction registering the version; only the `postgres` store uses it. */
  db: Queryable;
  /** Registry id of the model, for the `postgres` store's foreign key. */
  modelId: number;
}

export type ArtifactStoreKind = 'postgres' | 'gcs' | 'volume';

export interface ArtifactStore {
  readonly kind: ArtifactStoreKind;
  /** The URI the artifact of `ref` is (or will be) stored under; deterministic per ref. */
  uriFor(ref: ArtifactRef): string;
  /** Writes the artifact; overwriting is allowed because a retried registration reuses the ref. */
  put(ref: ArtifactRef, artifact: ModelArtifact, ctx: StoreContext): Promise<string>;
  /** Reads and validates the artifact stored under `uri`. */
  get(uri: string, ctx: Pick<StoreContext, 'db'>): Promise<ModelArtifact>;
}

/** The artifact under a URI is missing or unreadable. */
export class ArtifactStoreError extends Error {
  constructor(
    readonly uri: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${uri}: ${message}`, options);
    this.name = 'ArtifactStoreError';
  }
}

/** Parses stored bytes as an artifact, naming the URI and the bad field on failure. */
export function decodeArtifact(uri: string, text: string | unknown): ModelArtifact {
  let doc: unknown = text;
  if (typeof text === 'string') {
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new ArtifactStoreError(uri, `not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return parseArtifact(doc);
  } catch (err) {
    if (err instanceof ArtifactValidationError) {
      throw new ArtifactStoreError(uri, `invalid artifact: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Path segments from user-chosen names must not escape their folder or bucket prefix. */
export function checkSegment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} cannot be used in an artifact path`);
  }
  return value;
}

export function artifactPath(ref: ArtifactRef): string {
  return [
    checkSegment(ref.namespace, 'namespace'),
    checkSegment(ref.name, 'model name'),
    String(ref.version),
  ].join('/');
}
