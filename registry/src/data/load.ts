// Bulk-loads a CSV file into a Postgres table with COPY (pg-copy-streams): the fast path for
// the demo's generated data and for users' own. A missing table is created from the header,
// typing each column from a sample of rows (all numbers -> double precision, else text).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { CsvError, checkFieldCount, readCsvHead } from '@persona-operator/core/data/csv';
import { from as copyFrom } from 'pg-copy-streams';
import { classifyDbError } from '../errors.ts';

export interface LoadCsvOptions {
  /** Postgres URL, or an open client. */
  db: string | pg.Client;
  /** Table name, optionally schema-qualified ("public.survey"). */
  table: string;
  csvPath: string;
  /** Empty the table first, in the same transaction as the load. */
  replace?: boolean;
}

export interface LoadCsvResult {
  rows: number;
  created: boolean;
  columns: string[];
}

/** A load failed because of the input (bad CSV, mismatched columns), not the database. */
export class DataLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataLoadError';
  }
}

/** Rows read to type the columns of a table the load creates. */
const SAMPLE_ROWS = 2000;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The header and the first rows, each checked to have the header's number of fields. */
async function readSample(path: string): Promise<{ columns: string[]; rows: string[][] }> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new DataLoadError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    const { header, records } = await readCsvHead(handle.createReadStream({ autoClose: false }), SAMPLE_ROWS);
    for (const record of records) checkFieldCount(record, header.length);
    return { columns: header.map((c) => c.trim()), rows: records.map((r) => r.fields) };
  } catch (err) {
    if (err instanceof CsvError) throw new DataLoadError(`${path} ${err.message}`, { cause: err });
    throw err;
  } finally {
    await handle.close();
  }
}

function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => p === ''))
    throw new DataLoadError(`table name ${JSON.stringify(table)} is not valid`);
  return parts.map((p) => pg.escapeIdentifier(p)).join('.');
}

/** Each column is double precision when every sampled value is a number (or empty), else text. */
function columnTypes(columns: string[], rows: string[][]): string[] {
  return columns.map((_, i) =>
    rows.every((row) => row[i].trim() === '' || NUMBER_RE.test(row[i].trim())) ? 'double precision' : 'text',
  );
}

/** Loads the CSV (with a header line) into the table in one transaction; returns the row count. */
export async function loadCsv(opts: LoadCsvOptions): Promise<LoadCsvResult> {
  const { columns, rows } = await readSample(opts.csvPath);
  const types = columnTypes(columns, rows);
  return copyIntoTable({
    db: opts.db,
    table: opts.table,
    columns: columns.map((name, i) => ({ name, type: types[i] })),
    replace: opts.replace,
    copyOptions: 'FORMAT csv, HEADER true',
    source: () => createReadStream(opts.csvPath),
    describeError: (err) => describeCopyError(err, opts.csvPath, opts.table),
  });
}

interface CopyIntoTableOptions {
  db: string | pg.Client;
  table: string;
  columns: { name: string; type: string }[];
  replace?: boolean;
  copyOptions: string;
  source: () => NodeJS.ReadableStream;
  describeError?: (err: unknown) => unknown;
}

/** Creates the table when missing (or truncates it on replace) and COPYs the source in, in one transaction. */
async function copyIntoTable(opts: CopyIntoTableOptions): Promise<LoadCsvResult> {
  const table = quoteTable(opts.table);
  const owned = typeof opts.db === 'string';
  const client =
    typeof opts.db === 'string'
      ? new pg.Client({ connectionString: opts.db, application_name: 'persona-data-load' })
      : opts.db;
  if (owned) await client.connect();
  try {
    await client.query('BEGIN');
    try {
      const exists = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        opts.table,
      ]);
      const created = !exists.rows[0].exists;
      if (created) {
        const defs = opts.columns.map((c) => `${pg.escapeIdentifier(c.name)} ${c.type}`).join(', ');
        await client.query(`CREATE TABLE ${table} (${defs})`);
      } else if (opts.replace) {
        await client.query(`TRUNCATE ${table}`);
      }
      const list = opts.columns.map((c) => pg.escapeIdentifier(c.name)).join(', ');
      const copy = client.query(copyFrom(`COPY ${table} (${list}) FROM STDIN WITH (${opts.copyOptions})`));
      try {
        await pipeline(opts.source(), copy);
      } catch (err) {
        throw opts.describeError ? opts.describeError(err) : err;
      }
      await client.query('COMMIT');
      return { rows: copy.rowCount, created, columns: opts.columns.map((c) => c.name) };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    if (owned) await (client as pg.Client).end();
  }
}

// Postgres reports "COPY t, line 3, column income: "abc"" in `where`: the user needs exactly that.
function describeCopyError(err: unknown, path: string, table: string): unknown {
  if (classifyDbError(err) !== 'permanent') return err;
  const e = err as { message?: string; where?: string };
  const where = e.where ? ` (${e.where.split('\n')[0]})` : '';
  return new DataLoadError(`loading ${path} into ${table}: ${e.message}${where}`, { cause: err });
}

export interface LoadRowsOptions {
  db: string | pg.Client;
  table: string;
  /** Column names and SQL types used when the table has to be created. */
  columns: { name: string; type: 'double precision' | 'text' }[];
  rows: Iterable<readonly (string | number)[]>;
  replace?: boolean;
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}

/** COPYs rows produced in memory (e.g. generated data) into a table, creating it if missing. */
export async function loadRows(opts: LoadRowsOptions): Promise<LoadCsvResult> {
  const lines = function* () {
    for (const row of opts.rows) yield `${row.map(csvCell).join(',')}\n`;
  };
  return copyIntoTable({
    db: opts.db,
    table: opts.table,
    columns: opts.columns,
    replace: opts.replace,
    copyOptions: 'FORMAT csv',
    source: () => Readable.from(lines()),
  });
}
