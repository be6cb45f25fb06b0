// Reads a training Job's data into a typed table: a Postgres query (URL from an environment
// variable, normally a Secret), a CSV at a gs:// URI or on a mounted volume, or the model's
// logged predictions over a window; several parts (a drift retrain's reference and current
// data) are read one by one, each hashed for the lineage, and joined. A single query or CSV can
// instead be opened as batches, read pass after pass without holding it (openTrainingBatches).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BatchSource } from '@persona-operator/core/data/batch-source';
import { csvBatchSource } from '@persona-operator/core/data/csv-batches';
import { gcsClient, parseGsUri, type GcsClientOptions } from '@persona-operator/registry/artifacts/gcs';
import { InputError } from '@persona-operator/core/data/input-error';
import { openPostgresBatches, readPostgresTable } from '@persona-operator/registry/data/postgres-source';
import {
  concatTables,
  tableFeatures,
  tableFromCsvText,
  tableFromRecords,
  type ColumnRequest,
  type Table,
} from '@persona-operator/core/data/table';
import { hashTable } from '@persona-operator/core/train/table-hash';
import type { ModelRef, Registry } from '@persona-operator/registry';
import type { DataOrigin, DataPartLineage } from '@persona-operator/registry/lineage';
import { dataParts, type TrainingDataSource, type TrainingJobSpec } from '../training-spec.ts';

/** More logged predictions than this in one window is refused: the window is too long. */
export const MAX_PREDICTION_ROWS = 1_000_000;

export interface LoadDataOptions {
  /** Where the data database URL is looked up. */
  env: NodeJS.ProcessEnv;
  gcs?: GcsClientOptions;
  onProgress?: (rowsRead: number) => void;
  /** Where logged predictions are read from (a predictions source). */
  predictions?: { registry: Pick<Registry, 'readPredictionLog'>; model: ModelRef };
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
  if ('predictions' in source) return fromPredictions(source.predictions, columns, opts);
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

async function fromPredictions(
  window: { from: string; to: string },
  columns: readonly ColumnRequest[] | undefined,
  opts: LoadDataOptions,
): Promise<Table> {
  const where = `data.predictions (the logged predictions from ${window.from} to ${window.to})`;
  if (!opts.predictions) throw new InputError(`${where}: no registry to read the prediction log from`);
  if (!columns?.length) throw new InputError(`${where}: the features must be given`);
  const { registry, model } = opts.predictions;
  const entries = await registry.readPredictionLog(model, {
    since: new Date(window.from),
    until: new Date(window.to),
    limit: MAX_PREDICTION_ROWS + 1,
  });
  if (entries.length === 0) {
    throw new InputError(
      `${where}: the window is empty: no predictions of ${model.namespace}/${model.name} were logged in it`,
    );
  }
  if (entries.length > MAX_PREDICTION_ROWS)
    throw new InputError(`${where}: more than ${MAX_PREDICTION_ROWS} rows; use a shorter window`);
  opts.onProgress?.(entries.length);
  return withSource(where, () =>
    tableFromRecords(
      entries.map((e) => e.features),
      columns,
    ),
  );
}

function originOf(source: TrainingDataSource): DataOrigin {
  if ('postgres' in source) {
    const { query, secretRef } = source.postgres;
    return { postgres: { query, ...(secretRef ? { secretRef } : {}) } };
  }
  return source;
}

export interface TrainingData {
  table: Table;
  /** Each part as read, for the version's lineage. */
  parts: DataPartLineage[];
}

/**
 * Reads every part of the spec's data with the same columns (the first part's inferred types
 * when none are given) and joins them; a part that cannot be read fails naming the part.
 */
export async function loadTrainingData(
  data: TrainingJobSpec['data'],
  columns: readonly ColumnRequest[] | undefined,
  opts: LoadDataOptions,
): Promise<TrainingData> {
  const several = 'parts' in data;
  const tables: Table[] = [];
  const parts: DataPartLineage[] = [];
  for (const [i, part] of dataParts(data).entries()) {
    const request = tables[0] ? tableFeatures(tables[0]) : columns;
    let table: Table;
    try {
      table = await loadTrainingTable(part.source, request, opts);
    } catch (err) {
      if (several && err instanceof InputError)
        throw new InputError(`data.parts[${i}] (${part.role} data): ${err.message}`);
      throw err;
    }
    tables.push(table);
    parts.push({
      role: part.role,
      origin: originOf(part.source),
      rows: table.rowCount,
      dataHash: hashTable(table, tableFeatures(table)),
    });
  }
  return { table: tables.length === 1 ? tables[0] : concatTables(tables), parts };
}

function withSource<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${where}: ${err.message}`);
    throw err;
  }
}

/** A single source opened for streamed training; close() releases it (a transaction). */
export interface TrainingBatches {
  source: BatchSource;
  origin: DataOrigin;
  close(): Promise<void>;
}

/**
 * A streamed CSV's errors read like the in-memory read's: `mapError` turns a failed open into
 * its own message, and other bad-input errors are prefixed with where the rows come from.
 */
function prefixed(
  source: BatchSource,
  where: string,
  mapError: (err: unknown) => Error | undefined,
): BatchSource {
  return {
    async *batches() {
      try {
        yield* source.batches();
      } catch (err) {
        const mapped = mapError(err);
        if (mapped) throw mapped;
        throw err instanceof InputError ? new InputError(`${where}: ${err.message}`) : err;
      }
    },
  };
}

/**
 * The data as batches, when it is one Postgres query or one CSV (GCS or volume); undefined for
 * data that is only read whole (logged predictions, several parts).
 */
export async function openTrainingBatches(
  data: TrainingJobSpec['data'],
  columns: readonly ColumnRequest[] | undefined,
  opts: LoadDataOptions,
): Promise<TrainingBatches | undefined> {
  if ('parts' in data || 'predictions' in data) return undefined;
  const origin = originOf(data);
  if ('postgres' in data) {
    const { query, urlEnv } = data.postgres;
    const url = opts.env[urlEnv];
    if (!url)
      throw new InputError(
        `data.postgres: environment variable ${urlEnv} (the data database URL) is not set`,
      );
    const pg = await openPostgresBatches({ db: url, query, columns, onProgress: opts.onProgress });
    return { source: pg, origin, close: () => pg.close() };
  }
  if ('gcs' in data) {
    const uri = data.gcs.uri;
    const { bucket, object } = parseGsUri(uri);
    const storage = await gcsClient(opts.gcs);
    const csv = csvBatchSource({
      open: () => storage.bucket(bucket).file(object).createReadStream(),
      columns,
    });
    const notFound = (err: unknown) =>
      (err as { code?: unknown }).code === 404
        ? new InputError(`data.gcs.uri ${uri}: no such object`)
        : undefined;
    return { source: prefixed(csv, uri, notFound), origin, close: async () => undefined };
  }
  const path = data.volume.path;
  const csv = csvBatchSource({ open: () => createReadStream(path), columns });
  const unreadable = (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('E')) return undefined;
    return new InputError(
      `data.volume.path ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  };
  return { source: prefixed(csv, path, unreadable), origin, close: async () => undefined };
}
