// Postgres's binary COPY format, read as it streams: a signature and header, then one tuple per
// row (an int16 field count, and per field an int32 length, -1 for NULL, and its bytes), then a
// trailer (a field count of -1). Values are decoded for the column types below only; the text
// protocol costs a string per cell, which was most of a training pass over a large table.
//
// Each decoder gives the value the text protocol's reader would: integers and float8 as
// numbers, numeric through its decimal digits (so the double is rounded as Number("...")
// rounds), and the text types as strings.

/** A cell's value from its bytes: numbers through the DataView (intrinsics, unlike Buffer's readers), text from the Buffer. */
export type Decoder = (buf: Buffer, view: DataView, at: number, length: number) => number | string;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const NUMERIC_NAN = 0xc000;
const NUMERIC_POS_INF = 0xd000;
const NUMERIC_NEG_INF = 0xf000;
const NUMERIC_NEG = 0x4000;

function decodeNumeric(view: DataView, at: number): number {
  const groups = view.getUint16(at);
  const weight = view.getInt16(at + 2);
  const sign = view.getUint16(at + 4);
  if (sign === NUMERIC_NAN) return NaN;
  if (sign === NUMERIC_POS_INF) return Infinity;
  if (sign === NUMERIC_NEG_INF) return -Infinity;
  if (groups === 0) return 0;
  // Base-10000 digit groups, the first one worth 10000^weight: as text, 0.<groups>e<4(weight+1)>.
  let digits = '';
  for (let g = 0; g < groups; g++) digits += String(view.getUint16(at + 8 + 2 * g)).padStart(4, '0');
  return Number(`${sign === NUMERIC_NEG ? '-' : ''}0.${digits}e${4 * (weight + 1)}`);
}

const text: Decoder = (buf, _view, at, length) => buf.toString('utf8', at, at + length);

/** Decoders by type OID for the columns a number is read from. */
const NUMBER_DECODERS = new Map<number, Decoder>([
  [21, (_buf, view, at) => view.getInt16(at)], // int2
  [23, (_buf, view, at) => view.getInt32(at)], // int4
  [26, (_buf, view, at) => view.getUint32(at)], // oid
  [20, (_buf, view, at) => Number(view.getBigInt64(at))], // int8
  [701, (_buf, view, at) => view.getFloat64(at)], // float8
  [1700, (_buf, view, at) => decodeNumeric(view, at)], // numeric
]);

const TEXT_TYPES = new Map<number, Decoder>([
  [25, text], // text
  [1043, text], // varchar
  [1042, text], // bpchar
  [19, text], // name
]);

/**
 * Categories: the text types, and the numbers the text protocol's reader also hands over as
 * numbers (int8 and numeric come as their exact text there, so they are not decoded here).
 */
const CATEGORY_DECODERS = new Map<number, Decoder>([
  ...TEXT_TYPES,
  [21, NUMBER_DECODERS.get(21)!],
  [23, NUMBER_DECODERS.get(23)!],
  [701, NUMBER_DECODERS.get(701)!],
]);

/**
 * The decoder for a column read as `use`, or undefined when the binary form of its type is not
 * decoded here (the caller then reads the query through the text protocol).
 */
export function decoderFor(typeId: number, use: 'numeric' | 'categorical'): Decoder | undefined {
  // A number from a text column is parsed and checked by the reader, as from the text protocol.
  if (use === 'numeric') return NUMBER_DECODERS.get(typeId) ?? TEXT_TYPES.get(typeId);
  return CATEGORY_DECODERS.get(typeId);
}

/**
 * Where one wanted column's cells go, in row order. Cells are handed over as bytes, so a number
 * goes from the buffer into the column's storage without an object per cell in between (that
 * boxing was most of a pass's time).
 */
export interface CellSink {
  /** A cell's bytes at `at` (`length` -1 for NULL); `row` is 1-based in the stream. */
  cell(buf: Buffer, view: DataView, at: number, length: number, row: number): void;
}

/** Parses the COPY stream chunk by chunk into the sinks; `onRow` follows each complete row. */
export class CopyBinaryParser {
  private pending: Buffer = Buffer.alloc(0);
  private headerRead = false;
  private rows = 0;
  /** Per result field: the sink of the column that reads it, if any. */
  private readonly sinks: (CellSink | undefined)[];

  constructor(
    private readonly fields: number,
    wanted: readonly { index: number; sink: CellSink }[],
    private readonly onRow: () => void,
  ) {
    this.sinks = new Array<CellSink | undefined>(fields);
    for (const w of wanted) {
      const other = this.sinks[w.index];
      // A field read as two columns (the same name asked for twice) feeds both.
      this.sinks[w.index] = other
        ? { cell: (...args) => (other.cell(...args), w.sink.cell(...args)) }
        : w.sink;
    }
  }

  push(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.headerRead) {
      if (buf.length < SIGNATURE.length + 8) return this.keep(buf, 0);
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extension = buf.readUInt32BE(SIGNATURE.length + 4);
      if (buf.length < SIGNATURE.length + 8 + extension) return this.keep(buf, 0);
      at = SIGNATURE.length + 8 + extension;
      this.headerRead = true;
    }
    const { sinks } = this;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const size = buf.length;
    for (;;) {
      if (size - at < 2) break;
      const count = view.getInt16(at);
      if (count === -1) {
        at += 2; // the trailer: nothing follows
        break;
      }
      if (count !== this.fields) throw new Error(`a COPY row has ${count} fields, expected ${this.fields}`);
      // The whole tuple must be here before any of it is decoded.
      let end = at + 2;
      let complete = true;
      for (let f = 0; f < count; f++) {
        if (size - end < 4) {
          complete = false;
          break;
        }
        const length = view.getInt32(end);
        end += 4 + (length > 0 ? length : 0);
        if (end > size) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      const row = ++this.rows;
      let p = at + 2;
      for (let f = 0; f < count; f++) {
        const length = view.getInt32(p);
        p += 4;
        sinks[f]?.cell(buf, view, p, length, row);
        if (length > 0) p += length;
      }
      at = end;
      this.onRow();
    }
    this.keep(buf, at);
  }

  private keep(buf: Buffer, from: number): void {
    this.pending = from >= buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(from));
  }
}
