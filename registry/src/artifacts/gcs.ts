// Google Cloud Storage: gs://<bucket>/<prefix>/<namespace>/<model>/<version>/model.json.
// @google-cloud/storage is imported on first use: it is large, and a predictor reading from the
// registry's own store should not pay for it at start-up.
import type { Storage } from '@google-cloud/storage';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import {
  ArtifactStoreError,
  artifactPath,
  decodeArtifact,
  type ArtifactRef,
  type ArtifactStore,
} from './store.ts';

export interface GcsClientOptions {
  /** e.g. a local fake or a private endpoint; defaults to Google's (or STORAGE_EMULATOR_HOST). */
  apiEndpoint?: string;
  projectId?: string;
  /** A ready client (tests, or callers with their own credentials). */
  storage?: Storage;
}

export interface GcsStoreOptions extends GcsClientOptions {
  bucket: string;
  /** Folder inside the bucket; may be empty. */
  prefix?: string;
}

export async function gcsClient(opts: GcsClientOptions = {}): Promise<Storage> {
  if (opts.storage) return opts.storage;
  const { Storage: StorageClass } = await import('@google-cloud/storage');
  return new StorageClass({
    ...(opts.apiEndpoint ? { apiEndpoint: opts.apiEndpoint } : {}),
    ...(opts.projectId ? { projectId: opts.projectId } : {}),
  });
}

export function parseGsUri(uri: string): { bucket: string; object: string } {
  const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new ArtifactStoreError(uri, 'not a gs://<bucket>/<object> URI');
  return { bucket: m[1], object: m[2] };
}

export function isGsUri(uri: string): boolean {
  return uri.startsWith('gs://');
}

export class GcsArtifactStore implements ArtifactStore {
  readonly kind = 'gcs' as const;
  readonly bucket: string;
  readonly prefix: string;
  private readonly clientOptions: GcsClientOptions;
  private client: Promise<Storage> | undefined;

  constructor(opts: GcsStoreOptions) {
    if (!opts.bucket || opts.bucket.includes('/')) {
      throw new Error(`gcs artifact store: bucket ${JSON.stringify(opts.bucket)} is not a bucket name`);
    }
    this.bucket = opts.bucket;
    this.prefix = (opts.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.clientOptions = opts;
  }

  private storage(): Promise<Storage> {
    this.client ??= gcsClient(this.clientOptions);
    return this.client;
  }

  uriFor(ref: ArtifactRef): string {
    const key = [this.prefix, artifactPath(ref), 'model.json'].filter((s) => s !== '').join('/');
    return `gs://${this.bucket}/${key}`;
  }

  async put(ref: ArtifactRef, artifact: ModelArtifact): Promise<string> {
    const uri = this.uriFor(ref);
    const { bucket, object } = parseGsUri(uri);
    const storage = await this.storage();
    // A one-shot multipart upload: artifacts are small, and a resumable session would leave
    // state behind when a Job dies mid-upload.
    await storage
      .bucket(bucket)
      .file(object)
      .save(JSON.stringify(artifact), { resumable: false, contentType: 'application/json' });
    return uri;
  }

  async get(uri: string): Promise<ModelArtifact> {
    return readGcsArtifact(uri, await this.storage());
  }
}

/** Reads a gs:// artifact URI with the given client. */
export async function readGcsArtifact(uri: string, storage: Storage): Promise<ModelArtifact> {
  const { bucket, object } = parseGsUri(uri);
  let body: Buffer;
  try {
    [body] = await storage.bucket(bucket).file(object).download();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = code === 404 ? 'no such object' : `download failed: ${(err as Error).message}`;
    throw new ArtifactStoreError(uri, why, { cause: err });
  }
  return decodeArtifact(uri, body.toString('utf8'));
}
