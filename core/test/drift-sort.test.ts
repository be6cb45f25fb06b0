// The radix sort agrees with the built-in comparison sort, signs, zeros and ties included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortFloat64 } from '../src/drift/sort.ts';
import { uniform } from './drift-samples.ts';

function check(values: Float64Array): void {
  const expected = values.slice().sort();
  const actual = sortFloat64(values.slice());
  assert.deepEqual(Array.from(actual), Array.from(expected));
}

test('mixed signs, magnitudes and duplicates', () => {
  const u = uniform(7, 30000);
  const v = new Float64Array(10000);
  for (let i = 0; i < v.length; i++) {
    const x = (u[3 * i] - 0.5) * 10 ** Math.floor(u[3 * i + 1] * 40 - 20);
    v[i] = u[3 * i + 2] < 0.1 ? Math.round(x) : x;
  }
  v[5] = 0;
  v[6] = -0;
  v[7] = Number.MIN_VALUE;
  v[8] = -Number.MAX_VALUE;
  v[9] = Infinity;
  v[10] = -Infinity;
  check(v);
});

test('all values sharing the high digits (skipped passes) and an odd byte offset view', () => {
  const base = new Float64Array(9001);
  const u = uniform(8, 9000);
  for (let i = 0; i < 9000; i++) base[i + 1] = 1 + u[i] * 1e-9;
  check(base.subarray(1));
  const view = base.subarray(1);
  sortFloat64(view);
  assert.equal(base[0], 0, 'the element before the view is untouched');
  for (let i = 1; i < view.length; i++) assert.ok(view[i - 1] <= view[i]);
});

test('small arrays use the built-in sort', () => {
  check(Float64Array.of(3, -1, 2, -0, 0));
});
