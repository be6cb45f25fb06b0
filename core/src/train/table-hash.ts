// The data hash recorded with every version: which rows a model was trained on.
//
// sha256 over a binary form of the rows, in order: a header (format tag and the feature names),
// then per row each feature's value, a number as its float64 (little-endian) and a category as
// its UTF-8 length (uint32) and bytes. Binary because formatting every number as text cost more
// than the rest of a streamed training pass (about 6 s per million rows of ten numbers). The
// bytes of a row never depend on how rows are batched, so a stream hashes like the whole table.
import { createHash } from 'node:crypto';
import type { FeatureSpec } from '../artifact/types.ts';
import { getColumn, type Table } from '../data/table.ts';

const FORMAT = 'persona-rows-v2';
/** Rows encoded per digest update: big enough that the update's own cost vanishes. */
const ROWS_PER_UPDATE = 4096;

/** hashTable fed a batch of rows at a time (for rows read as a stream). */
export function tableHasher(features: readonly FeatureSpec[]): { add(table: Table): void; digest(): string } {
  const h = createHash('sha256');
  h.update(`${FORMAT}\n${features.map((f) => f.name).join(',')}\n`);
  let buffer = Buffer.alloc(64 * 1024);
  const room = (bytes: number, used: number) => {
    if (used + bytes <= buffer.length) return;
    const bigger = Buffer.alloc(Math.max(buffer.length * 2, used + bytes));
    buffer.copy(bigger, 0, 0, used);
    buffer = bigger;
  };
  return {
    add(table) {
      const cols = features.map((f) => getColumn(table, f.name));
      for (let at = 0; at < table.rowCount; at += ROWS_PER_UPDATE) {
        const end = Math.min(table.rowCount, at + ROWS_PER_UPDATE);
        let o = 0;
        for (let i = at; i < end; i++) {
          for (const col of cols) {
            if (col.type === 'numeric') {
              room(8, o);
              o = buffer.writeDoubleLE(col.values[i], o);
            } else {
              const text = col.values[i];
              const bytes = Buffer.byteLength(text);
              room(4 + bytes, o);
              o = buffer.writeUInt32LE(bytes, o);
              o += buffer.write(text, o, 'utf8');
            }
          }
        }
        h.update(buffer.subarray(0, o));
      }
    },
    digest: () => h.digest('hex'),
  };
}

/** sha256 over the feature columns as read (see the format above). */
export function hashTable(table: Table, features: readonly FeatureSpec[]): string {
  const h = tableHasher(features);
  h.add(table);
  return h.digest();
}
