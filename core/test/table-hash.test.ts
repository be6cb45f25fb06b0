// The data hash: the same rows give the same hash however they are batched, and any change to
// a value, a category's boundary or the features changes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectRows, type Table } from '../src/data/table.ts';
import { hashTable, tableHasher } from '../src/train/table-hash.ts';

function table(numbers: number[], categories: string[]): Table {
  return {
    rowCount: numbers.length,
    columns: [
      { name: 'x', type: 'numeric', values: Float64Array.from(numbers) },
      { name: 'c', type: 'categorical', values: categories },
    ],
  };
}

const features = [
  { name: 'x', type: 'numeric' as const },
  { name: 'c', type: 'categorical' as const },
];
const rows = 10_000;
const whole = table(
  Array.from({ length: rows }, (_, i) => i * 0.37 - 12),
  Array.from({ length: rows }, (_, i) => ['online', 'store', 'café ☕'][i % 3]),
);

test('a table fed in batches of any size hashes as the whole table', () => {
  const expected = hashTable(whole, features);
  assert.match(expected, /^[0-9a-f]{64}$/);
  for (const size of [1, 7, 4096, 5000]) {
    const h = tableHasher(features);
    for (let at = 0; at < rows; at += size) {
      const end = Math.min(rows, at + size);
      h.add(
        selectRows(
          whole,
          Array.from({ length: end - at }, (_, i) => at + i),
        ),
      );
    }
    assert.equal(h.digest(), expected, `batches of ${size}`);
  }
});

test('a changed value, category boundary, row order or feature list changes the hash', () => {
  const base = hashTable(table([1, 2], ['ab', 'c']), features);
  assert.notEqual(hashTable(table([1, 2.0000000001], ['ab', 'c']), features), base);
  assert.notEqual(hashTable(table([1, 2], ['a', 'bc']), features), base);
  assert.notEqual(hashTable(table([2, 1], ['c', 'ab']), features), base);
  assert.notEqual(hashTable(table([1, 2], ['ab', 'c']), [features[0]]), base);
  assert.equal(hashTable(table([1, 2], ['ab', 'c']), features), base);
});
