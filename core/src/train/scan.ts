// The first pass over streamed training rows: counts them, learns the encoding, hashes them as
// hashTable does, and keeps a seeded uniform sample (reservoir sampling, Algorithm R) for
// seeding and scoring. Memory holds one batch and the sample; with `keepUpTo`, also every row
// while there are no more than that many (so a small table can be fitted in memory after all).
import type { FeatureEncoding, FeatureSpec, RawValue } from '../artifact/types.ts';
import type { BatchSource } from '../data/batch-source.ts';
import { concatTables, tableFeatures, tableRow, type Column, type Table } from '../data/table.ts';
import { EncodingAccumulator } from '../encoding/streaming-fit.ts';
import { createRng, deriveSeed } from '../random/rng.ts';
import { TrainSpecError } from './spec.ts';
import { tableHasher } from './table-hash.ts';

export interface ScanOptions {
  /** Rows in the sample (fewer when the data has fewer). */
  sampleSize: number;
  seed: number;
  /** Keep all rows while there are at most this many (0: never). */
  keepUpTo: number;
  onProgress?: (rowsRead: number) => void;
}

export interface Scan {
  rows: number;
  features: FeatureSpec[];
  encodings: FeatureEncoding[];
  dataHash: string;
  /** The sampled rows in the order they were read, and their positions (0-based) in the data. */
  sample: Table;
  samplePositions: number[];
  /** Every row, when there were no more than keepUpTo. */
  all?: Table;
}

/** Salt of the reservoir's random stream, apart from the seeds of the k-means runs. */
const RESERVOIR_SALT = 0x5a3b1e;

export async function scanSource(source: BatchSource, opts: ScanOptions): Promise<Scan> {
  const rng = createRng(deriveSeed(opts.seed, RESERVOIR_SALT));
  const picked: RawValue[][] = [];
  const positions: number[] = [];
  let kept: Table[] | undefined = opts.keepUpTo > 0 ? [] : undefined;
  let first: Table | undefined;
  let features: FeatureSpec[] = [];
  let encoding: EncodingAccumulator | undefined;
  let hasher: ReturnType<typeof tableHasher> | undefined;
  let rows = 0;
  for await (const batch of source.batches()) {
    if (!first) {
      first = batch;
      features = tableFeatures(batch);
      encoding = new EncodingAccumulator(features);
      hasher = tableHasher(features);
    }
    encoding!.add(batch);
    hasher!.add(batch);
    for (let i = 0; i < batch.rowCount; i++, rows++) {
      if (picked.length < opts.sampleSize) {
        picked.push(tableRow(batch, i));
        positions.push(rows);
        continue;
      }
      const j = rng.int(rows + 1);
      if (j < opts.sampleSize) {
        picked[j] = tableRow(batch, i);
        positions[j] = rows;
      }
    }
    if (kept && rows <= opts.keepUpTo) kept.push(batch);
    else kept = undefined;
    opts.onProgress?.(rows);
  }
  if (!first || rows === 0) throw new TrainSpecError('the training data has no rows');
  const order = positions.map((_, i) => i).sort((a, b) => positions[a] - positions[b]);
  const columns = features.map((f, c): Column => {
    if (f.type === 'numeric')
      return {
        name: f.name,
        type: 'numeric',
        values: Float64Array.from(order, (i) => picked[i][c] as number),
      };
    return { name: f.name, type: 'categorical', values: order.map((i) => picked[i][c] as string) };
  });
  return {
    rows,
    features,
    encodings: encoding!.finish(),
    dataHash: hasher!.digest(),
    sample: { rowCount: order.length, columns },
    samplePositions: order.map((i) => positions[i]),
    ...(kept ? { all: kept.length === 1 ? kept[0] : concatTables(kept) } : {}),
  };
}
