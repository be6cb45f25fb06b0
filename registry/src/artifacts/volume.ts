// A store on a mounted volume: <path>/<namespace>/<model>/<version>/model.json. Writes go to a
// temporary file first and are renamed into place, so a reader never sees half an artifact.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import {
  ArtifactStoreError,
  artifactPath,
  decodeArtifact,
  type ArtifactRef,
  type ArtifactStore,
} from './store.ts';

export class VolumeArtifactStore implements ArtifactStore {
  readonly kind = 'volume' as const;
  readonly root: string;

  constructor(opts: { path: string }) {
    if (!opts.path) throw new Error('volume artifact store: path is required');
    this.root = resolve(opts.path);
  }

  uriFor(ref: ArtifactRef): string {
    return pathToFileURL(join(this.root, artifactPath(ref), 'model.json')).href;
  }

  async put(ref: ArtifactRef, artifact: ModelArtifact): Promise<string> {
    const uri = this.uriFor(ref);
    const file = fileURLToPath(uri);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, JSON.stringify(artifact));
    await rename(tmp, file);
    return uri;
  }

  async get(uri: string): Promise<ModelArtifact> {
    return readVolumeArtifact(uri);
  }
}

export function isFileUri(uri: string): boolean {
  return uri.startsWith('file:');
}

/** Reads a `file://` artifact URI wherever it points (readers need no store configuration). */
export async function readVolumeArtifact(uri: string): Promise<ModelArtifact> {
  let text: string;
  try {
    text = await readFile(fileURLToPath(uri), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file (is the volume mounted here?)' : (err as Error).message;
    throw new ArtifactStoreError(uri, why, { cause: err });
  }
  return decodeArtifact(uri, text);
}
