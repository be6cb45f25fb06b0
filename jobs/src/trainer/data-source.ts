// Reads a training Job's data into a typed table: a Postgres query (URL from an environment
// variable, normally a Secret), or a CSV at a gs:// URI or on a mounted volume.
import { readFile } from 'node:fs/promises';
import { gcsClient, parseGsUri, type GcsClientOptions } from '@persona-operator/registry/artifacts/gcs';
import { InputError } from '@persona-operator/core/data/input-error';
import { readPostgresTable } from '@persona-operator/registry/data/postgres-source';
import { tableFromCsvText, type ColumnRequest, type Table } from '@persona-operator/core/data/table';
import type { TrainingDataSource } from '../training-spec.ts';

export interface LoadDataOptions {
  /** Where the data database URL is looked up. */
  env: NodeJS.ProcessEnv;
  gcs?: GcsClientOptions;
  onProgress?: (rowsRead: number) => void;
}

/** Columns to read, typed; undefined reads every column and infers the types. */
export async function loadTrainingTable(
  source: TrainingDataSource,
  columns: readonly ColumnRequest[] | undefined,
  opts: LoadDataOptions,
): Promise<Table> {
  if ('postgres' in source) {
    const { query, urlEnv, rowLimit } = source.postgres;
    const url = opts.env[urlEnv];
    if (!url)
      throw new InputError(
        `data.postgres: environment variable ${urlEnv} (the data database URL) is not set`,
      );
    return readPostgresTable({ db: url, query, columns, rowLimit, onProgress: opts.onProgress });
  }
  if ('gcs' in source) {
    const { bucket, object } = parseGsUri(source.gcs.uri);
    const storage = await gcsClient(opts.gcs);
    let body: Buffer;
    try {
      [body] = await storage.bucket(bucket).file(object).download();
    } catch (err) {
      if ((err as { code?: unknown }).code === 404)
        throw new InputError(`data.gcs.uri ${source.gcs.uri}: no such object`);
      throw err;
    }
    return withSource(source.gcs.uri, () => tableFromCsvText(body.toString('utf8'), columns));
  }
  const path = source.volume.path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      `data.volume.path ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return withSource(path, () => tableFromCsvText(text, columns));
}

function withSource<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${where}: ${err.message}`);
    throw err;
  }
}
