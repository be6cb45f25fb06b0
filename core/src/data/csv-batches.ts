// A CSV file or object read as batches, for data too large to hold: each pass opens the stream
// again and parses it record by record. Without declared types, a column's type is inferred
// from the first batch and every later row must fit it (the error names the line).
import type { Readable } from 'node:stream';
import { DEFAULT_BATCH_ROWS, type BatchSource } from './batch-source.ts';
import { checkFieldCount, checkHeader, csvRecords } from './csv.ts';
import { tableFeatures, tableFromCsv, type ColumnRequest, type Table } from './table.ts';

export interface CsvBatchOptions {
  /** Opens the stream from its first byte; called once per pass. */
  open: () => Readable | Promise<Readable>;
  /** Columns to keep, in this order; all of the header's when omitted. */
  columns?: readonly ColumnRequest[];
  batchSize?: number;
}

export function csvBatchSource(opts: CsvBatchOptions): BatchSource {
  const size = opts.batchSize ?? DEFAULT_BATCH_ROWS;
  let request = opts.columns;
  const toTable = (header: string[], records: { fields: string[]; line: number }[]): Table => {
    const table = tableFromCsv(
      { header, rows: records.map((r) => r.fields), lines: records.map((r) => r.line) },
      request,
    );
    request ??= tableFeatures(table);
    return table;
  };
  return {
    async *batches() {
      let header: string[] | undefined;
      let records: { fields: string[]; line: number }[] = [];
      for await (const record of csvRecords(await opts.open())) {
        if (!header) {
          header = checkHeader(record);
          continue;
        }
        checkFieldCount(record, header.length);
        records.push(record);
        if (records.length === size) {
          yield toTable(header, records);
          records = [];
        }
      }
      if (!header) header = checkHeader(undefined);
      // The header alone still yields its (empty) columns, so a missing column is named.
      if (records.length > 0 || !request) yield toTable(header, records);
    },
  };
}
