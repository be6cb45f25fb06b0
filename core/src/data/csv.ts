// RFC 4180 CSV: comma-separated, fields optionally in double quotes ("" inside quotes is one
// quote; quoted fields may contain commas and line breaks), CRLF or LF line ends, an optional
// UTF-8 byte order mark. The first record is the header. Blank lines are skipped.

/** A CSV problem; `line` is the 1-based line in the file where it was found. */
import { InputError } from './input-error.ts';

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

/** Splits CSV text into records; every record must have as many fields as the header. */
export function parseCsv(text: string): CsvDocument {
  const records: string[][] = [];
  const starts: number[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const len = text.length;
  let line = 1;
  while (pos < len) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let atRecordEnd = false;
    while (!atRecordEnd) {
      if (pos < len && text.charCodeAt(pos) === 34 /* " */) {
        pos++;
        let chunkStart = pos;
        for (;;) {
          if (pos >= len) throw new CsvError('unterminated quoted field', startLine);
          const ch = text.charCodeAt(pos);
          if (ch === 34) {
            field += text.slice(chunkStart, pos);
            if (text.charCodeAt(pos + 1) === 34) {
              field += '"';
              pos += 2;
              chunkStart = pos;
              continue;
            }
            pos++;
            break;
          }
          if (ch === 10) line++;
          pos++;
        }
        const next = pos < len ? text.charCodeAt(pos) : -1;
        if (next !== 44 && next !== 10 && next !== 13 && next !== -1) {
          throw new CsvError(
            `unexpected character after the closing quote of field ${fields.length + 1}`,
            line,
          );
        }
      } else {
        const chunkStart = pos;
        while (pos < len) {
          const ch = text.charCodeAt(pos);
          if (ch === 44 || ch === 10 || ch === 13) break;
          if (ch === 34) throw new CsvError(`stray quote in unquoted field ${fields.length + 1}`, line);
          pos++;
        }
        field = text.slice(chunkStart, pos);
      }
      fields.push(field);
      field = '';
      const ch = pos < len ? text.charCodeAt(pos) : -1;
      if (ch === 44) {
        pos++;
      } else {
        if (ch === 13) pos++;
        if (pos < len && text.charCodeAt(pos) === 10) pos++;
        line++;
        atRecordEnd = true;
      }
    }
    if (fields.length === 1 && fields[0] === '') continue;
    records.push(fields);
    starts.push(startLine);
  }
  if (records.length === 0) throw new CsvError('empty file: expected a header line', 1);
  const header = records[0];
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name.trim() === '') throw new CsvError(`header column ${i + 1} has no name`, starts[0]);
    if (seen.has(name)) throw new CsvError(`duplicate column "${name}" in the header`, starts[0]);
    seen.add(name);
  });
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== header.length) {
      throw new CsvError(
        `expected ${header.length} fields as in the header, got ${records[r].length}`,
        starts[r],
      );
    }
  }
  return { header, rows: records.slice(1), lines: starts.slice(1) };
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
