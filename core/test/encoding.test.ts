import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodePoint, encodeRaw, encodeTable, EncodingError, fitEncoding } from '../src/encoding/encoding.ts';
import { tableFromCsvText } from '../src/data/table.ts';
import { InputError } from '../src/data/input-error.ts';
import { parsePersonasYaml, formatPersonasYaml } from '../src/personas/personas-file.ts';
import { describeCentroid, nameClusters } from '../src/personas/naming.ts';

const csv = 'age,channel,flat\n20,web,7\n30,store,7\n40,web,7\n50,app,7\n';
const features = [
  { name: 'age', type: 'numeric' as const },
  { name: 'channel', type: 'categorical' as const },
  { name: 'flat', type: 'numeric' as const },
];

describe('encoding', () => {
  const table = tableFromCsvText(csv, features);
  const enc = fitEncoding(table, features);

  test('standardises with the population std and one-hot encodes sorted categories', () => {
    // ages 20..50: mean 35, population variance (225 + 25 + 25 + 225) / 4 = 125.
    assert.deepEqual(enc[0], {
      name: 'age',
      type: 'numeric',
      mean: 35,
      std: Math.sqrt(125),
      scale: Math.sqrt(125),
    });
    assert.deepEqual(enc[1], { name: 'channel', type: 'categorical', categories: ['app', 'store', 'web'] });
  });

  test('a constant column gets scale 1 and encodes to 0, never NaN', () => {
    assert.deepEqual(enc[2], { name: 'flat', type: 'numeric', mean: 7, std: 0, scale: 1 });
    const pts = encodeTable(table, enc);
    assert.equal(pts.d, 5);
    const s = Math.sqrt(125);
    assert.deepEqual(Array.from(pts.values.subarray(0, 5)), [-15 / s, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(pts.values.subarray(15, 20)), [15 / s, 1, 0, 0, 0]);
    for (const v of pts.values) assert.ok(Number.isFinite(v));
  });

  test('an unknown category at prediction time names the column, the value and the line', () => {
    const other = tableFromCsvText('age,channel,flat\n20,web,7\n30,phone,7\n', features);
    assert.throws(
      () => encodeTable(other, enc),
      (err: unknown) => {
        assert.ok(err instanceof EncodingError && err instanceof InputError);
        assert.equal(err.column, 'channel');
        assert.match(
          err.message,
          /column "channel", line 3: unknown category "phone" \(known: app, store, web\)/,
        );
        return true;
      },
    );
  });

  test('raw points round-trip through encodeRaw and decodePoint', () => {
    const raw = { age: 42, channel: 'store', flat: 7 };
    const scaled = encodeRaw(raw, enc, 'persona 1');
    assert.deepEqual(decodePoint(scaled, enc), raw);
    assert.throws(
      () => encodeRaw({ age: 1, channel: 'x', flat: 7 }, enc, 'persona 2'),
      /persona 2, feature "channel": unknown category "x"/,
    );
    assert.throws(
      () => encodeRaw({ age: 1, flat: 7 }, enc, 'persona 2'),
      /persona 2: feature "channel" is missing/,
    );
    assert.throws(
      () => encodeRaw({ age: 1, channel: 'web', flat: 7, h: 1 }, enc, 'p'),
      /p: "h" is not a feature/,
    );
    assert.throws(
      () => encodeRaw({ age: '1', channel: 'web', flat: 7 }, enc, 'p'),
      /p, feature "age": expected a finite number, got "1"/,
    );
  });

  test('a column typed differently from the data is refused', () => {
    const t = tableFromCsvText('a\nx\n');
    assert.throws(
      () => fitEncoding(t, [{ name: 'a', type: 'numeric' }]),
      /column "a": expected numeric values, the data has categorical ones/,
    );
  });
});

describe('persona names', () => {
  const enc = fitEncoding(tableFromCsvText(csv, features), features);

  test('clusters are matched to reference personas by minimum total distance', () => {
    // Two clusters (d = 5); the references are given in the opposite order.
    const centroids = Float64Array.from([-1, 0, 0, 1, 0, 1, 0, 1, 0, 0]);
    const named = nameClusters(
      centroids,
      2,
      [
        { name: 'Old', scaled: [0.9, 0, 1, 0, 0] },
        { name: 'Young', scaled: [-1.1, 0, 0, 1, 0] },
      ],
      enc,
    );
    assert.deepEqual(named, [
      { cluster: 1, name: 'Old', generated: false },
      { cluster: 0, name: 'Young', generated: false },
    ]);
  });

  test('clusters without a match get unique generated names', () => {
    const centroids = Float64Array.from([-1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1.2, 0, 1, 0, 0]);
    const named = nameClusters(centroids, 3, [{ name: 'Young', scaled: [-1, 0, 0, 1, 0] }], enc);
    assert.deepEqual(named[0], { cluster: 0, name: 'Young', generated: false });
    assert.deepEqual(
      named.slice(1).map((n) => [n.cluster, n.name, n.generated]),
      [
        [1, 'High age', true],
        [2, 'High age (2)', true],
      ],
    );
    assert.equal(describeCentroid([0.1, 1, 0, 0, 0.05], enc), 'Average customer');
  });
});

describe('personas file', () => {
  test('parses features and personas and round-trips', () => {
    const file = parsePersonasYaml(
      'features:\n  - {name: age, type: numeric}\n  - {name: channel, type: categorical}\npersonas:\n  - name: A\n    centroid: {age: 30, channel: web}\n',
    );
    assert.deepEqual(file, {
      features: [
        { name: 'age', type: 'numeric' },
        { name: 'channel', type: 'categorical' },
      ],
      personas: [{ name: 'A', centroid: { age: 30, channel: 'web' } }],
    });
    assert.deepEqual(parsePersonasYaml(formatPersonasYaml(file, 'comment')), file);
  });

  test('errors name the path', () => {
    assert.throws(() => parsePersonasYaml('personas: []'), /personas: expected a non-empty list/);
    assert.throws(
      () => parsePersonasYaml('personas:\n  - {name: A, centroid: {age: [1]}}'),
      /personas\[0\]\.centroid\.age: expected a number or a category/,
    );
    assert.throws(
      () => parsePersonasYaml('personas:\n  - {name: A, centroid: {}}\n  - {name: A, centroid: {}}'),
      /personas\[1\]\.name: duplicate persona name "A"/,
    );
    assert.throws(
      () => parsePersonasYaml('features:\n  - {name: a, type: float}\npersonas: [{name: A, centroid: {}}]'),
      /features\[0\]\.type/,
    );
    assert.throws(() => parsePersonasYaml('personas: [unclosed'), /\(file\): not valid YAML/);
  });
});
