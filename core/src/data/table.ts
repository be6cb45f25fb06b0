// A typed, columnar table of feature values: numeric columns as Float64Array, categorical ones
// as string arrays. Built from CSV text or from database records, validating every cell, so the
// math downstream never sees a missing or non-numeric value.
import { InputError } from './input-error.ts';
import type { FeatureSpec, FeatureType, RawValue } from '../artifact/types.ts';
import { parseCsv, type CsvDocument } from './csv.ts';
import type { BadCells } from './bad-cells.ts';

/**
 * How a reader treats a bad cell: by default it throws a TableError naming it; with `badCells`
 * it records the cell there and keeps it as missing (NaN, or '' for a category), which only the
 * drift statistics accept.
 */
export interface ReadOptions {
  badCells?: BadCells;
}

export interface NumericColumn {
  name: string;
  type: 'numeric';
  values: Float64Array;
}

export interface CategoricalColumn {
  name: string;
  type: 'categorical';
  values: string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  rowCount: number;
  columns: Column[];
  /** Where each row came from, for messages: a file line number per row (CSV) or absent (row index). */
  lines?: number[];
}

/** A bad cell or column; `column` and `line` (file line, or 1-based row for records) locate it. */
export class TableError extends InputError {
  constructor(
    message: string,
    readonly column?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'TableError';
  }
}

/** A requested feature: its type may be left out and inferred from the data. */
export interface ColumnRequest {
  name: string;
  type?: FeatureType;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a decimal number strictly: no empty cells, hex, "NaN" or "Infinity". */
export function parseNumberCell(cell: string): number | undefined {
  const s = cell.trim();
  if (!NUMBER.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

function where(line: number | undefined, lines: number[] | undefined): string {
  return lines ? `line ${line}` : `row ${line}`;
}

function inferType(cells: readonly string[]): FeatureType {
  for (const c of cells) if (parseNumberCell(c) === undefined) return 'categorical';
  return 'numeric';
}

function badCell(
  name: string,
  i: number,
  lines: number[] | undefined,
  problem: string,
  options: ReadOptions,
): void {
  const at = lines ? lines[i] : i + 1;
  if (!options.badCells) throw new TableError(`column "${name}", ${where(at, lines)}: ${problem}`, name, at);
  options.badCells.record(name, where(at, lines), problem);
}

function buildColumn(
  name: string,
  type: FeatureType,
  cells: readonly (string | null)[],
  lines: number[] | undefined,
  options: ReadOptions,
): Column {
  if (type === 'categorical') {
    const values = cells.map((c, i) => {
      if (c === null || c === '') {
        badCell(name, i, lines, c === null ? 'missing value (null)' : 'empty value', options);
        return '';
      }
      return c;
    });
    return { name, type, values };
  }
  const values = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    const v = cell === null ? undefined : parseNumberCell(cell);
    if (v === undefined) {
      const problem =
        cell === null
          ? 'missing value (null)'
          : cell.trim() === ''
            ? 'empty value'
            : `${JSON.stringify(cell)} is not a number`;
      badCell(name, i, lines, problem, options);
      values[i] = NaN;
    } else values[i] = v;
  }
  return { name, type, values };
}

/**
 * Picks and types the requested columns of a parsed CSV (all of them when `request` is
 * omitted). A column without a declared type is numeric when every cell is a number.
 */
export function tableFromCsv(
  doc: CsvDocument,
  request?: readonly ColumnRequest[],
  options: ReadOptions = {},
): Table {
  const wanted: readonly ColumnRequest[] = request ?? doc.header.map((name) => ({ name }));
  if (wanted.length === 0) throw new TableError('no columns requested');
  const columns = wanted.map((req) => {
    const idx = doc.header.indexOf(req.name);
    if (idx < 0) {
      throw new TableError(
        `column "${req.name}" not found in the header (columns: ${doc.header.join(', ')})`,
        req.name,
      );
    }
    const cells = doc.rows.map((r) => r[idx]);
    return buildColumn(req.name, req.type ?? inferType(cells), cells, doc.lines, options);
  });
  return { rowCount: doc.rows.length, columns, lines: doc.lines };
}

/** parseCsv + tableFromCsv. */
export function tableFromCsvText(
  text: string,
  request?: readonly ColumnRequest[],
  options: ReadOptions = {},
): Table {
  return tableFromCsv(parseCsv(text), request, options);
}

/**
 * Builds a table from database rows (objects keyed by column). Numbers may arrive as strings
 * (pg returns numeric and bigint as strings); null is a missing value.
 */
export function tableFromRecords(
  records: readonly Record<string, unknown>[],
  request: readonly ColumnRequest[],
  options: ReadOptions = {},
): Table {
  if (request.length === 0) throw new TableError('no columns requested');
  const columns = request.map((req) => {
    const cells: (string | null)[] = new Array(records.length);
    records.forEach((rec, i) => {
      if (!Object.hasOwn(rec, req.name)) {
        throw new TableError(
          `column "${req.name}" not found in the query result (row ${i + 1})`,
          req.name,
          i + 1,
        );
      }
      const v = rec[req.name];
      // NaN and infinities become "NaN", "Infinity": not numbers to the cell parser either.
      cells[i] = v === null || v === undefined ? null : typeof v === 'string' ? v : String(v);
    });
    const type = req.type ?? inferType(cells.filter((c): c is string => c !== null));
    return buildColumn(req.name, type, cells, undefined, options);
  });
  return { rowCount: records.length, columns };
}

export function getColumn(table: Table, name: string): Column {
  const col = table.columns.find((c) => c.name === name);
  if (!col)
    throw new TableError(
      `column "${name}" not found (columns: ${table.columns.map((c) => c.name).join(', ')})`,
      name,
    );
  return col;
}

/** The feature specs (name and type) of a table's columns, in order. */
export function tableFeatures(table: Table): FeatureSpec[] {
  return table.columns.map((c) => ({ name: c.name, type: c.type }));
}

/** Row i in raw units, in column order. */
export function tableRow(table: Table, i: number): RawValue[] {
  return table.columns.map((c) => c.values[i]);
}

/** A new table with the given rows, in the given order. */
export function selectRows(table: Table, indices: ArrayLike<number>): Table {
  const idx = Array.from(indices);
  return {
    rowCount: idx.length,
    columns: table.columns.map((c) =>
      c.type === 'numeric'
        ? { name: c.name, type: c.type, values: Float64Array.from(idx, (i) => c.values[i]) }
        : { name: c.name, type: c.type, values: idx.map((i) => c.values[i]) },
    ),
    lines: table.lines ? idx.map((i) => table.lines![i]) : undefined,
  };
}

/** Where row i came from, for messages: "line 17" for CSV input, "row 17" otherwise. */
export function rowLocation(table: Table, i: number): string {
  return table.lines ? `line ${table.lines[i]}` : `row ${i + 1}`;
}

/** The rows of several tables with the same columns (names and types, in order), one after another. */
export function concatTables(tables: readonly Table[]): Table {
  if (tables.length === 0) throw new TableError('no tables to join');
  const [first] = tables;
  for (const t of tables) {
    const same =
      t.columns.length === first.columns.length &&
      t.columns.every((c, i) => c.name === first.columns[i].name && c.type === first.columns[i].type);
    if (!same) throw new TableError('tables to join have different columns');
  }
  return {
    rowCount: tables.reduce((n, t) => n + t.rowCount, 0),
    columns: first.columns.map((c, i): Column => {
      const parts = tables.map((t) => t.columns[i]);
      if (c.type === 'numeric') {
        const values = new Float64Array(tables.reduce((n, t) => n + t.rowCount, 0));
        let at = 0;
        for (const p of parts) {
          values.set(p.values as Float64Array, at);
          at += p.values.length;
        }
        return { name: c.name, type: 'numeric', values };
      }
      return { name: c.name, type: 'categorical', values: parts.flatMap((p) => p.values as string[]) };
    }),
  };
}
