// CSV as RFC 4180 reads it (csv-parse): comma-separated, fields optionally in double quotes
// ("" inside quotes is one quote; quoted fields may contain commas and line breaks), CRLF or
// LF line ends, an optional UTF-8 byte order mark. The first record is the header. Blank
// lines are skipped.
import type { Readable } from 'node:stream';
import { parse as parseStream, CsvError as ParserError, type Options } from 'csv-parse';
import { parse as parseText } from 'csv-parse/sync';
import { InputError } from './input-error.ts';

/** A CSV problem; `line` is the 1-based line in the file where it was found. */
export class CsvError extends InputError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

export interface CsvDocument {
  header: string[];
  /** Data records, each with exactly header.length fields. */
  rows: string[][];
  /** 1-based file line on which each data record starts (for error messages). */
  lines: number[];
}

/** One record and the 1-based line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

const OPTIONS: Options = { bom: true, skip_empty_lines: true, info: true, relax_column_count: true };

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** csv-parse counts the line a record ends on; a record starts that many line breaks earlier. */
function recordOf(r: ParsedRecord): CsvRecord {
  const breaks = r.record.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  return { fields: r.record, line: r.info.lines - breaks };
}

/** csv-parse's error as ours, naming the line and the column (1-based field number). */
function csvErrorOf(err: unknown): unknown {
  if (!(err instanceof ParserError)) return err;
  const e = err as ParserError & { lines?: number; index?: number };
  const line = e.lines ?? 1;
  const column = (e.index ?? 0) + 1;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvError(`column ${column}: unterminated quoted field`, line);
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new CsvError(`column ${column}: unexpected character after the closing quote`, line);
    case 'INVALID_OPENING_QUOTE':
      return new CsvError(`column ${column}: stray quote in an unquoted field`, line);
    default:
      return new CsvError(`column ${column}: ${err.message}`, line);
  }
}

/** Every record must have as many fields as the header; the error names the first column off. */
export function checkFieldCount(record: CsvRecord, expected: number): void {
  const got = record.fields.length;
  if (got !== expected) {
    throw new CsvError(
      `column ${Math.min(got, expected) + 1}: expected ${expected} fields as in the header, got ${got}`,
      record.line,
    );
  }
}

/** The column names of a header record: none blank, none twice. */
export function checkHeader(header: CsvRecord | undefined): string[] {
  if (!header) throw new CsvError('empty file: expected a header line', 1);
  const seen = new Set<string>();
  header.fields.forEach((name, i) => {
    if (name.trim() === '') throw new CsvError(`column ${i + 1}: the header names no column`, header.line);
    if (seen.has(name))
      throw new CsvError(`column ${i + 1}: duplicate column "${name}" in the header`, header.line);
    seen.add(name);
  });
  return header.fields;
}

/** Splits CSV text into records; every record must have as many fields as the header. */
export function parseCsv(text: string): CsvDocument {
  let records: CsvRecord[];
  try {
    records = (parseText(text, OPTIONS) as unknown as ParsedRecord[]).map(recordOf);
  } catch (err) {
    throw csvErrorOf(err);
  }
  const header = checkHeader(records[0]);
  const rows = records.slice(1);
  for (const row of rows) checkFieldCount(row, header.length);
  return { header, rows: rows.map((r) => r.fields), lines: rows.map((r) => r.line) };
}

/**
 * The records of a CSV stream, header first, as they are parsed: memory holds one record at a
 * time. Leaving the loop early stops reading and destroys the stream. Records may have any
 * number of fields: see checkFieldCount.
 */
export async function* csvRecords(input: Readable): AsyncGenerator<CsvRecord> {
  const parser = parseStream(OPTIONS);
  // A stream error (missing file, failed download) ends the parse with that error.
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  try {
    for await (const r of parser as AsyncIterable<ParsedRecord>) yield recordOf(r);
  } catch (err) {
    throw csvErrorOf(err);
  } finally {
    input.unpipe(parser);
    input.destroy();
  }
}

/**
 * The header and up to `limit` data records read from a stream, which is then left unread
 * (for sampling a file too large to hold). Records may have any number of fields: see
 * checkFieldCount.
 */
export async function readCsvHead(
  input: Readable,
  limit: number,
): Promise<{ header: string[]; records: CsvRecord[] }> {
  const records: CsvRecord[] = [];
  for await (const record of csvRecords(input)) {
    records.push(record);
    if (records.length > limit) break;
  }
  const header = checkHeader(records[0]);
  return { header, records: records.slice(1) };
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) || field !== field.trim() ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Formats records as CSV (LF line ends, quoting only where needed). */
export function formatCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const out: string[] = [header.map(quote).join(',')];
  for (const row of rows) out.push(row.map((v) => (typeof v === 'number' ? String(v) : quote(v))).join(','));
  return `${out.join('\n')}\n`;
}
