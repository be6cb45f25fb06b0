// Training/drift data from Postgres: the user's SELECT is streamed through a cursor (pg-cursor)
// so memory holds the converted columns only, an oversized result stops at the row limit with
// an error instead of exhausting the Job's memory, and every cell is checked against its
// feature type with the row number and column named in the message.
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { FeatureType } from '@persona-operator/core/artifact/types';
import { InputError } from '@persona-operator/core/data/input-error';
import type { Column, ColumnRequest, ReadOptions, Table } from '@persona-operator/core/data/table';

export interface PostgresReadOptions extends ReadOptions {
  /** Postgres URL, or an open client that is not inside a transaction. */
  db: string | pg.Client;
  query: string;
  /** Columns to keep, in this order; all of the result's columns when omitted. */
  columns?: readonly ColumnRequest[];
  /** More rows than this is an error, never a silent truncation. */
  rowLimit: number;
  /** Rows fetched per round trip. */
  batchSize?: number;
  onProgress?: (rowsRead: number) => void;
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

/** Runs the query and returns the requested columns as a typed table. */
export async function readPostgresTable(opts: PostgresReadOptions): Promise<Table> {
  const owned = typeof opts.db === 'string';
  const client =
    typeof opts.db === 'string'
      ? new pg.Client({ connectionString: opts.db, application_name: 'persona-data' })
      : opts.db;
  if (owned) await client.connect();
  const batch = opts.batchSize ?? 5_000;
  try {
    // A cursor only streams inside a transaction; READ ONLY also stops a query with side effects.
    await client.query('BEGIN TRANSACTION READ ONLY');
    try {
      const cursor = client.query(new Cursor<unknown[]>(opts.query, [], { rowMode: 'array' }));
      let count = 0;
      let cols: Builder[] = [];
      // The client answers nothing else until the cursor is closed, so our own errors (limit,
      // bad cell) must close it before ROLLBACK; after a query error the server closed it.
      let serverFailed = false;
      const next = (): Promise<unknown[][]> =>
        read(cursor, batch).then(
          (res) => {
            if (count === 0 && cols.length === 0) cols = builders(res.fields, opts.columns);
            return res.rows;
          },
          (err: unknown) => {
            serverFailed = true;
            throw err;
          },
        );
      try {
        for (let rows = await next(); rows.length > 0; rows = await next()) {
          if (count + rows.length > opts.rowLimit) {
            throw new DataSourceError(`the query returned more than the row limit of ${opts.rowLimit} rows`);
          }
          for (const raw of rows) {
            count++;
            for (const b of cols) push(b, raw[b.index], count, opts);
          }
          opts.onProgress?.(count);
        }
      } finally {
        if (!serverFailed) await cursor.close();
      }
      await client.query('COMMIT');
      if (count === 0) throw new DataSourceError('the query returned no rows');
      const columns: Column[] = cols.map((b) =>
        b.type === 'numeric'
          ? { name: b.name, type: 'numeric', values: Float64Array.from(b.numbers) }
          : { name: b.name, type: 'categorical', values: b.strings },
      );
      return { rowCount: count, columns };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    if (owned) await (client as pg.Client).end();
  }
}
