// Worker threads give the same report as the single-threaded path, and bad input still fails
// with the same clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeDrift, DriftInputError, pairColumns, type DriftTable } from '../src/drift/index.ts';
import { computeDriftParallel, testColumnsParallel } from '../src/drift/parallel.ts';
import { integers, normalish } from './drift-samples.ts';

const table = (seed: number, shift: number): DriftTable => ({
  columns: [
    { name: 'a', type: 'numeric', values: normalish(seed, 500, shift, 1) },
    { name: 'b', type: 'numeric', values: normalish(seed + 1, 500, 0, 1) },
    { name: 'c', type: 'categorical', values: Array.from(integers(seed + 2, 500, 3), (i) => 'xyz'[i]) },
  ],
});

test('same report as computeDrift', async () => {
  const now = new Date('2025-02-01T00:00:00Z');
  const ref = table(1, 0);
  const cur = table(10, 0.5);
  const expected = computeDrift(ref, cur, { numeric: 'ks' }, now);
  const actual = await computeDriftParallel(ref, cur, { numeric: 'ks' }, { threads: 2 }, now);
  assert.deepEqual(actual, expected);
});

test('the columns are tested on as many worker threads as asked for', async () => {
  const { pairs } = pairColumns(table(1, 0), table(10, 0.5), {});
  const { columns, threads } = await testColumnsParallel(pairs, {}, 2);
  assert.equal(columns.length, 3);
  assert.equal(threads, 2);
});

test('a column error from a worker is a DriftInputError', async () => {
  const ref = table(1, 0);
  const cur = table(10, 0);
  (cur.columns as DriftTable['columns'][number][])[1] = {
    name: 'b',
    type: 'numeric',
    values: new Float64Array(500).fill(NaN),
  };
  await assert.rejects(
    computeDriftParallel(ref, cur, {}, { threads: 2 }),
    (e: unknown) => e instanceof DriftInputError && /"b" has no values in the current data/.test(e.message),
  );
});
