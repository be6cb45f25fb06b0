// Training/drift data from Postgres: the user's SELECT is streamed a batch at a time, and every
// cell is checked against its feature type with the row number and column named in the message.
// When every column read has a type copy-binary.ts decodes and the source was given as a URL,
// each pass is a binary COPY of the query on a connection of its own sharing the first one's
// snapshot (several times faster than the text protocol on a large table, and a pass left early
// is cancelled); otherwise each pass is a cursor (pg-cursor) on the first connection.
// readPostgresTable holds the whole result (and stops at a row limit with an error instead of
// exhausting the Job's memory); openPostgresBatches reads it again and again without holding
// it, every pass in the same snapshot.
import pg from 'pg';
import Cursor from 'pg-cursor';
import { to as copyTo } from 'pg-copy-streams';
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
import { CopyBinaryParser, decoderFor, type CellSink, type Decoder } from './copy-binary.ts';

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

/** One column's cells of the batch being read: numbers in a typed array, categories as strings. */
class Builder {
  numbers = new Float64Array(0);
  size = 0;
  strings: string[] = [];

  constructor(
    readonly name: string,
    readonly type: FeatureType,
    /** Position in the query's result. */
    readonly index: number,
  ) {}

  pushNumber(n: number): void {
    if (this.size === this.numbers.length) {
      const bigger = new Float64Array(Math.max(1024, this.size * 2));
      bigger.set(this.numbers);
      this.numbers = bigger;
    }
    this.numbers[this.size++] = n;
  }

  /** The cells so far as a column; the builder starts empty again. */
  take(): Column {
    const column: Column =
      this.type === 'numeric'
        ? { name: this.name, type: 'numeric', values: this.numbers.slice(0, this.size) }
        : { name: this.name, type: 'categorical', values: this.strings };
    this.clear();
    return column;
  }

  clear(): void {
    this.size = 0;
    this.strings = [];
  }
}

/** A cell that cannot be used: an error, or (lenient read) recorded and kept as missing. */
function bad(b: Builder, row: number, problem: string, options: ReadOptions): void {
  if (!options.badCells) throw new DataSourceError(`column "${b.name}", row ${row}: ${problem}`, b.name, row);
  options.badCells.record(b.name, `row ${row}`, problem);
  if (b.type === 'numeric') b.pushNumber(NaN);
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
    b.pushNumber(n);
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
    return new Builder(req.name, type, index);
  });
}

/** The builders' cells as a typed table; the builders start empty again. */
function takeTable(cols: Builder[], rowCount: number): Table {
  return { rowCount, columns: cols.map((b) => b.take()) };
}

/** A COPY column's cells into its builder, checked as `push` checks the text protocol's values. */
function copySink(b: Builder, decode: Decoder, options: ReadOptions): CellSink {
  const numeric = b.type === 'numeric';
  return {
    cell(buf, view, at, length, row) {
      if (length < 0) return push(b, null, row, options);
      const value = decode(buf, view, at, length);
      // The common case without a detour: a finite number for a numeric feature.
      if (numeric && typeof value === 'number' && Number.isFinite(value)) b.pushNumber(value);
      else push(b, value, row, options);
    },
  };
}

/** The batch's cells as a typed table; rows are numbered from `first` (1-based) in messages. */
function batchTable(cols: Builder[], rows: unknown[][], first: number, options: ReadOptions): Table {
  rows.forEach((raw, i) => {
    for (const b of cols) push(b, raw[b.index], first + i, options);
  });
  return takeTable(cols, rows.length);
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
  const url = typeof opts.db === 'string' ? opts.db : undefined;
  const client = url
    ? new pg.Client({ connectionString: url, application_name: 'persona-data' })
    : (opts.db as pg.Client);
  if (url) await client.connect();
  let copy: CopyPlan | undefined;
  try {
    // A cursor only streams inside a transaction; READ ONLY also stops a query with side effects.
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL synchronize_seqscans = off');
    if (url) copy = await planCopy(client, url, opts);
  } catch (err) {
    if (url) await client.end().catch(() => undefined);
    throw err;
  }
  const batch = opts.batchSize ?? DEFAULT_BATCH_ROWS;
  let request = opts.columns;
  let broken = false;
  let closed = false;
  return {
    async *batches() {
      if (broken) throw new Error('an earlier pass over the query failed');
      if (copy) {
        try {
          yield* copyPass(copy, client, batch, opts);
        } catch (err) {
          if (err instanceof PassFailed) broken = true;
          throw err instanceof PassFailed ? err.cause : err;
        }
        return;
      }
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
            throw failedAt(err, count, `rows ${count + 1} to ${count + batch}`);
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
        if (url) await client.end();
      }
    },
  };
}

/** What a pass needs to COPY the query in the first connection's snapshot. */
interface CopyPlan {
  url: string;
  query: string;
  snapshot: string;
  fields: number;
  cols: Builder[];
  /** Per column, where its cells go: into its builder, checked as the cursor's values are. */
  sinks: { index: number; sink: CellSink }[];
}

/**
 * The COPY plan, or undefined when a pass must use the cursor: the query's columns come from
 * planning it with LIMIT 0 (in a savepoint, so a query that fails leaves its error to the cursor
 * pass), and each column read needs a decoder for its type.
 */
async function planCopy(
  client: pg.Client,
  url: string,
  opts: PostgresBatchOptions,
): Promise<CopyPlan | undefined> {
  const query = opts.query.trim().replace(/;+\s*$/, '');
  let fields: Field[];
  await client.query('SAVEPOINT persona_columns');
  try {
    const res = await client.query({
      text: `SELECT * FROM (${query}) AS persona_rows LIMIT 0`,
      rowMode: 'array',
    });
    fields = res.fields as Field[];
    await client.query('RELEASE SAVEPOINT persona_columns');
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT persona_columns');
    return undefined;
  }
  let cols: Builder[];
  try {
    cols = builders(fields, opts.columns);
  } catch {
    return undefined; // the cursor pass names the missing column, as before any row is read
  }
  const sinks: CopyPlan['sinks'] = [];
  for (const b of cols) {
    const decode = decoderFor(fields[b.index].dataTypeID, b.type);
    if (!decode) return undefined;
    sinks.push({ index: b.index, sink: copySink(b, decode, opts) });
  }
  const exported = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
  return { url, query, snapshot: exported.rows[0].snapshot, fields: fields.length, cols, sinks };
}

/** A failure of the query itself: later passes cannot succeed either. */
class PassFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the pass over the query failed');
  }
}

/** One pass: a binary COPY of the query on a connection of its own, in the plan's snapshot. */
async function* copyPass(
  plan: CopyPlan,
  main: pg.Client,
  batch: number,
  opts: PostgresBatchOptions,
): AsyncGenerator<Table> {
  const { cols } = plan;
  // A pass left early leaves the rows of its last chunk behind.
  for (const b of cols) b.clear();
  const conn = new pg.Client({ connectionString: plan.url, application_name: 'persona-data' });
  await conn.connect();
  let finished = false;
  let stream: ReturnType<typeof copyTo> | undefined;
  let pid = 0;
  try {
    await conn.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // The id comes from the server (hex groups and dashes); SET takes no bind parameters.
    if (!/^[0-9A-F-]+$/i.test(plan.snapshot)) throw new Error(`unexpected snapshot id ${plan.snapshot}`);
    await conn.query(`SET TRANSACTION SNAPSHOT '${plan.snapshot}'`);
    await conn.query('SET LOCAL synchronize_seqscans = off');
    pid = (await conn.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    stream = conn.query(copyTo(`COPY (${plan.query}) TO STDOUT (FORMAT binary)`));
    let count = 0;
    let inBatch = 0;
    const ready: Table[] = [];
    const parser = new CopyBinaryParser(plan.fields, plan.sinks, () => {
      count++;
      if (++inBatch === batch) {
        ready.push(takeTable(cols, inBatch));
        inBatch = 0;
      }
    });
    let emitted = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        parser.push(chunk);
        for (const table of ready.splice(0)) {
          emitted += table.rowCount;
          opts.onProgress?.(emitted);
          yield table;
        }
      }
    } catch (err) {
      if (err instanceof DataSourceError) throw err;
      throw new PassFailed(failedAt(err, count, `row ${count + 1} or a later one`));
    }
    // Even an empty result yields its columns once, as the cursor pass does.
    if (inBatch > 0 || count === 0) {
      const table = takeTable(cols, inBatch);
      emitted += table.rowCount;
      if (table.rowCount) opts.onProgress?.(emitted);
      yield table;
    }
    finished = true;
    await conn.query('COMMIT');
  } finally {
    if (!finished && stream && pid) {
      // Left early (or a bad cell): stop the server sending the rest instead of reading it.
      stream.on('error', () => undefined);
      await main.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
    }
    await conn.end().catch(() => undefined);
  }
}

/**
 * A query that fails after some rows were read (a bad cast or a division by zero at some row)
 * is bad input once the database says so: the message gives the rows it failed among.
 */
function failedAt(err: unknown, count: number, where: string): unknown {
  if (count === 0 || classifyDbError(err) !== 'permanent') return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DataSourceError(
    `the query failed after ${count} rows, while reading ${where}: ${message}`,
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
