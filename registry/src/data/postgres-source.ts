// Training/drift data from Postgres: the user's SELECT is streamed through a cursor (pg-cursor)
// a batch at a time, and every cell is checked against its feature type with the row number
// and column named in the message. readPostgresTable holds the whole result (and stops at a row
// limit with an error instead of exhausting the Job's memory); openPostgresBatches reads it
// again and again without holding it, every pass in the same snapshot.
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { FeatureType } from '@persona-operator/core/artifact/types';
import { DEFAULT_BATCH_ROWS, type BatchSource } from '@persona-operator/core/data/batch-source';
import { InputError } from '@persona-operator/core/data/input-error';
import {
  concatTables,
  tableFeatures,
  type Column,
  type ColumnRequest,
  type ReadOptions,
  type Table,
} from '@persona-operator/core/data/table';
import { classifyDbError } from '../errors.ts';

export interface PostgresBatchOptions extends ReadOptions {
  /** Postgres URL, or an open client that is not inside a transaction. */
  db: string | pg.Client;
  query: string;
  /** Columns to keep, in this order; all of the result's columns when omitted. */
  columns?: readonly ColumnRequest[];
  /** Rows fetched per round trip, and per batch. */
  batchSize?: number;
  /** Rows read so far in the current pass. */
  onProgress?: (rowsRead: number) => void;
}

export interface PostgresReadOptions extends PostgresBatchOptions {
  /** More rows than this is an error, never a silent truncation. */
  rowLimit: number;
}

/** The query ran but its result cannot be used: wrong columns, bad values, no rows, too many. */
export class DataSourceError extends InputError {
  constructor(
    message: string,
    readonly column?: string,
    readonly row?: number,
  ) {
    super(message);
    this.name = 'DataSourceError';
  }
}

// int2, int4, int8, float4, float8, numeric, oid
const NUMERIC_OIDS = new Set([21, 23, 20, 700, 701, 1700, 26]);

interface Field {
  name: string;
  dataTypeID: number;
}

interface Builder {
  name: string;
  type: FeatureType;
  index: number;
  numbers: number[];
  strings: string[];
}

/** A cell that cannot be used: an error, or (lenient read) recorded and kept as missing. */
function bad(b: Builder, row: number, problem: string, options: ReadOptions): void {
  if (!options.badCells) throw new DataSourceError(`column "${b.name}", row ${row}: ${problem}`, b.name, row);
  options.badCells.record(b.name, `row ${row}`, problem);
  if (b.type === 'numeric') b.numbers.push(NaN);
  else b.strings.push('');
}

function push(b: Builder, value: unknown, row: number, options: ReadOptions): void {
  if (value === null || value === undefined) return bad(b, row, 'missing value (NULL)', options);
  if (b.type === 'numeric') {
    // pg returns numeric and bigint as strings, float and int as numbers.
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && value.trim() !== ''
          ? Number(value)
          : NaN;
    if (!Number.isFinite(n)) return bad(b, row, `${JSON.stringify(value)} is not a finite number`, options);
    b.numbers.push(n);
    return;
  }
  if (typeof value === 'string') b.strings.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    b.strings.push(String(value));
  else bad(b, row, `a ${typeof value} value cannot be a category`, options);
}

function read(cursor: Cursor<unknown[]>, n: number): Promise<{ rows: unknown[][]; fields: Field[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(n, (err, rows, result) => {
      if (err) reject(err);
      else resolve({ rows, fields: (result?.fields ?? []) as Field[] });
    });
  });
}

function builders(fields: Field[], request: readonly ColumnRequest[] | undefined): Builder[] {
  const names = fields.map((f) => f.name);
  const wanted: readonly ColumnRequest[] = request ?? fields.map((f) => ({ name: f.name }));
  if (wanted.length === 0) throw new DataSourceError('the query returned no columns');
  return wanted.map((req) => {
    const index = names.indexOf(req.name);
    if (index === -1) {
      throw new DataSourceError(
        `column "${req.name}" is not in the query result (it has: ${names.join(', ') || 'no columns'})`,
        req.name,
      );
    }
    const type = req.type ?? (NUMERIC_OIDS.has(fields[index].dataTypeID) ? 'numeric' : 'categorical');
    return { name: req.name, type, index, numbers: [], strings: [] };
  });
}

/** The batch's cells as a typed table; rows are numbered from `first` (1-based) in messages. */
function batchTable(cols: Builder[], rows: unknown[][], first: number, options: ReadOptions): Table {
  for (const b of cols) {
    b.numbers = [];
    b.strings = [];
  }
  rows.forEach((raw, i) => {
    for (const b of cols) push(b, raw[b.index], first + i, options);
  });
  const columns: Column[] = cols.map((b) =>
    b.type === 'numeric'
      ? { name: b.name, type: 'numeric', values: Float64Array.from(b.numbers) }
      : { name: b.name, type: 'categorical', values: b.strings },
  );
  return { rowCount: rows.length, columns };
}

/** The query's result, re-readable a batch at a time; close() ends the transaction. */
export interface PostgresBatches extends BatchSource {
  close(): Promise<void>;
}

/**
 * Opens a read-only REPEATABLE READ transaction, so every pass reads the same rows, in the same
 * order for a plain scan (synchronized scans, which start a scan where another one is, are off).
 * The first batch fixes the columns and their types for every later pass.
 */
export async function openPostgresBatches(opts: PostgresBatchOptions): Promise<PostgresBatches> {
  const owned = typeof opts.db === 'string';
  const client =
    typeof opts.db === 'string'
      ? new pg.Client({ connectionString: opts.db, application_name: 'persona-data' })
      : opts.db;
  if (owned) await client.connect();
  try {
    // A cursor only streams inside a transaction; READ ONLY also stops a query with side effects.
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL synchronize_seqscans = off');
  } catch (err) {
    if (owned) await (client as pg.Client).end().catch(() => undefined);
    throw err;
  }
  const batch = opts.batchSize ?? DEFAULT_BATCH_ROWS;
  let request = opts.columns;
  let broken = false;
  let closed = false;
  return {
    async *batches() {
      if (broken) throw new Error('an earlier pass over the query failed');
      const cursor = client.query(new Cursor<unknown[]>(opts.query, [], { rowMode: 'array' }));
      let count = 0;
      let cols: Builder[] | undefined;
      // The client answers nothing else until the cursor is closed, so our own errors (a bad
      // cell, a loop left early) must close it; after a query error the server closed it.
      let serverFailed = false;
      try {
        for (;;) {
          let res: { rows: unknown[][]; fields: Field[] };
          try {
            res = await read(cursor, batch);
          } catch (err) {
            serverFailed = true;
            broken = true;
            throw failedAt(err, count, batch);
          }
          cols ??= builders(res.fields, request);
          if (res.rows.length === 0) {
            // Even an empty result yields its columns once, so a missing column is named.
            if (count === 0) yield batchTable(cols, [], 1, opts);
            break;
          }
          const table = batchTable(cols, res.rows, count + 1, opts);
          request ??= tableFeatures(table);
          count += res.rows.length;
          opts.onProgress?.(count);
          yield table;
        }
      } finally {
        if (!serverFailed) await cursor.close();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.query(broken ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
      } finally {
        if (owned) await (client as pg.Client).end();
      }
    },
  };
}

/**
 * A query that fails after some rows were read (a bad cast or a division by zero at some row)
 * is bad input once the database says so: the message gives the rows it failed among.
 */
function failedAt(err: unknown, count: number, batch: number): unknown {
  if (count === 0 || classifyDbError(err) !== 'permanent') return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DataSourceError(
    `the query failed after ${count} rows, while reading rows ${count + 1} to ${count + batch}: ${message}`,
    undefined,
    count + 1,
  );
}

/** Runs the query and returns the requested columns as a typed table. */
export async function readPostgresTable(opts: PostgresReadOptions): Promise<Table> {
  const source = await openPostgresBatches(opts);
  try {
    const tables: Table[] = [];
    let count = 0;
    for await (const table of source.batches()) {
      count += table.rowCount;
      if (count > opts.rowLimit) {
        throw new DataSourceError(`the query returned more than the row limit of ${opts.rowLimit} rows`);
      }
      tables.push(table);
    }
    if (count === 0) throw new DataSourceError('the query returned no rows');
    return tables.length === 1 ? tables[0] : concatTables(tables);
  } finally {
    await source.close();
  }
}
