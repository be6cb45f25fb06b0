// The reference side of a drift Job: the artifact's reservoir sample as typed columns, and a
// clear refusal when an artifact has no usable sample.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { referenceTable } from '../src/driftcheck/reference.ts';

function artifact(rows: (number | string)[][], columns = ['age', 'channel']): ModelArtifact {
  return {
    features: [
      { name: 'age', type: 'numeric', mean: 40, std: 10, scale: 10 },
      { name: 'channel', type: 'categorical', categories: ['web', 'store'] },
    ],
    reference: { columns, rows },
  } as unknown as ModelArtifact;
}

describe('reference sample', () => {
  test('columns in feature order with their types', () => {
    const t = referenceTable(
      artifact(
        [
          ['web', 31],
          ['store', 45],
        ],
        ['channel', 'age'],
      ),
      'model shop/customers version 2',
    );
    assert.equal(t.rowCount, 2);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.type, Array.from<number | string | null>(c.values)]),
      [
        ['age', 'numeric', [31, 45]],
        ['channel', 'categorical', ['web', 'store']],
      ],
    );
  });

  test('an empty sample, a missing feature and a non-number are refused by name', () => {
    const label = 'model shop/customers version 2';
    assert.throws(() => referenceTable(artifact([]), label), {
      message:
        'model shop/customers version 2 has no reference sample in its artifact; retrain it to get one',
    });
    assert.throws(() => referenceTable(artifact([[30]], ['age']), label), {
      message: 'model shop/customers version 2: the reference sample lacks feature "channel"',
    });
    assert.throws(
      () =>
        referenceTable(
          artifact([
            [30, 'web'],
            ['x', 'web'],
          ]),
          label,
        ),
      {
        message: 'model shop/customers version 2: reference sample row 2, feature "age": "x" is not a number',
      },
    );
  });
});
