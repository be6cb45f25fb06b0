// The row generator of `bench:train --rows N`, run in its own process: N rows of D features
// from eight Gaussian blobs, written to stdout as a Postgres binary COPY stream (the fastest
// load: no number formatting on either side). argv: rows features seed
import { createRng } from '../core/src/random/rng.ts';

const [rows, d, seed] = process.argv.slice(2).map(Number);
const rng = createRng(seed);
const blobs = Array.from({ length: 8 }, () => ({
  centre: Array.from({ length: d }, () => rng.normal() * 4),
  spread: 0.6 + rng.next() * 1.2,
  weight: 0.5 + rng.next(),
}));
const total = blobs.reduce((a, b) => a + b.weight, 0);

const ROW_BYTES = 2 + d * 12;
const CHUNK_ROWS = 8192;
const out = process.stdout;

function write(buf: Buffer): Promise<void> {
  return new Promise((resolve) => (out.write(buf) ? resolve() : out.once('drain', () => resolve())));
}

// PGCOPY signature, flags 0, no header extension.
const header = Buffer.alloc(19);
header.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
await write(header);
for (let at = 0; at < rows; at += CHUNK_ROWS) {
  const m = Math.min(CHUNK_ROWS, rows - at);
  const buf = Buffer.alloc(m * ROW_BYTES);
  let o = 0;
  for (let i = 0; i < m; i++) {
    let u = rng.next() * total;
    let b = 0;
    while (b < blobs.length - 1 && u >= blobs[b].weight) u -= blobs[b++].weight;
    const blob = blobs[b];
    o = buf.writeInt16BE(d, o);
    for (let t = 0; t < d; t++) {
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE(blob.centre[t] + rng.normal() * blob.spread, o);
    }
  }
  await write(buf);
}
const trailer = Buffer.alloc(2);
trailer.writeInt16BE(-1, 0);
await write(trailer);
