// Bulk-loads a CSV file into a Postgres table with COPY (pg-copy-streams): the fast path for
// the demo's generated data and for users' own. A missing table is created from the header,
// typing each column from a sample of rows (all numbers -> double precision, else text).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
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

const SAMPLE_BYTES = 256 * 1024;
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Splits one CSV line (RFC 4180 quoting; the sample never needs multi-line fields). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

async function readSample(path: string): Promise<string[]> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new DataLoadError(`cannot read ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SAMPLE_BYTES, 0);
    const lines = buf.subarray(0, bytesRead).toString('utf8').split(/\r?\n/);
    // The last line may be cut by the sample size.
    if (bytesRead === SAMPLE_BYTES) lines.pop();
    return lines.filter((l) => l.trim() !== '');
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

function inferColumns(lines: string[], path: string): { columns: string[]; types: string[] } {
  if (lines.length === 0) throw new DataLoadError(`${path} is empty: expected a header line`);
  const columns = splitCsvLine(lines[0]).map((c) => c.trim());
  const seen = new Set<string>();
  columns.forEach((c, i) => {
    if (c === '') throw new DataLoadError(`${path}: header column ${i + 1} has no name`);
    if (seen.has(c)) throw new DataLoadError(`${path}: header names column ${JSON.stringify(c)} twice`);
    seen.add(c);
  });
  const numeric = columns.map(() => true);
  lines.slice(1).forEach((line, idx) => {
    const cells = splitCsvLine(line);
    if (cells.length !== columns.length) {
      throw new DataLoadError(
        `${path} line ${idx + 2}: expected ${columns.length} values, got ${cells.length}`,
      );
    }
    cells.forEach((cell, i) => {
      if (cell.trim() !== '' && !NUMBER_RE.test(cell.trim())) numeric[i] = false;
    });
  });
  return { columns, types: numeric.map((n) => (n ? 'double precision' : 'text')) };
}

/** Loads the CSV (with a header line) into the table in one transaction; returns the row count. */
export async function loadCsv(opts: LoadCsvOptions): Promise<LoadCsvResult> {
  const sample = await readSample(opts.csvPath);
  const { columns, types } = inferColumns(sample, opts.csvPath);
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
        const defs = columns.map((c, i) => `${pg.escapeIdentifier(c)} ${types[i]}`).join(', ');
        await client.query(`CREATE TABLE ${table} (${defs})`);
      } else if (opts.replace) {
        await client.query(`TRUNCATE ${table}`);
      }
      const list = columns.map((c) => pg.escapeIdentifier(c)).join(', ');
      const copy = client.query(
        copyFrom(`COPY ${table} (${list}) FROM STDIN WITH (FORMAT csv, HEADER true)`),
      );
      try {
        await pipeline(createReadStream(opts.csvPath), copy);
      } catch (err) {
        throw describeCopyError(err, opts.csvPath, opts.table);
      }
      await client.query('COMMIT');
      return { rows: copy.rowCount, created, columns };
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
  const table = quoteTable(opts.table);
  const client =
    typeof opts.db === 'string'
      ? new pg.Client({ connectionString: opts.db, application_name: 'persona-data-load' })
      : opts.db;
  if (typeof opts.db === 'string') await client.connect();
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
      const copy = client.query(copyFrom(`COPY ${table} (${list}) FROM STDIN WITH (FORMAT csv)`));
      const lines = (function* () {
        for (const row of opts.rows) yield `${row.map(csvCell).join(',')}\n`;
      })();
      await pipeline(Readable.from(lines), copy);
      await client.query('COMMIT');
      return { rows: copy.rowCount, created, columns: opts.columns.map((c) => c.name) };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    if (typeof opts.db === 'string') await (client as pg.Client).end();
  }
}
