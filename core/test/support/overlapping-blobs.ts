// Four overlapping blobs in 3 dimensions, 2000 rows: the rows of
// reference/overlapping_blobs.py, from the same generator, so both sides see identical doubles.
import type { Table } from '../../src/data/table.ts';
import { normalish } from '../drift-samples.ts';

const ROWS = 2000;
const CENTRES = [
  [0, 0, 0],
  [2, 0, 0],
  [0, 2, 0],
  [2, 2, 1],
];

/** Row i belongs to blob i % 4; column t of blob b uses seed 100 + 10 * b + t, unit sd. */
export function overlappingBlobs(): Table {
  const columns = [0, 1, 2].map((t) => ({
    name: `x${t}`,
    type: 'numeric' as const,
    values: new Float64Array(ROWS),
  }));
  CENTRES.forEach((centre, b) => {
    const members = Math.ceil((ROWS - b) / CENTRES.length);
    for (let t = 0; t < 3; t++) {
      const values = normalish(100 + 10 * b + t, members, centre[t], 1);
      for (let j = 0; j < members; j++) columns[t].values[b + j * CENTRES.length] = values[j];
    }
  });
  return { rowCount: ROWS, columns };
}
