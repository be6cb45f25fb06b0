// Rows too many to hold: read a batch at a time, and as many times over as a computation needs
// (the streaming trainer makes a statistics pass, mini-batch passes and a final pass).
import type { Table } from './table.ts';

export interface BatchSource {
  /**
   * A new pass from the first row, as typed tables of consecutive rows. Every pass yields the
   * same columns as the first batch ever read. Leaving the loop early ends the pass and frees
   * what it holds (a cursor, a download).
   */
  batches(): AsyncIterable<Table>;
}

/** Rows per batch when a caller does not say: large enough that per-batch costs vanish. */
export const DEFAULT_BATCH_ROWS = 5_000;
