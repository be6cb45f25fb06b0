import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { CsvError, formatCsv, parseCsv, readCsvHead } from '../src/data/csv.ts';
import { BadCells, describeBadCells } from '../src/data/bad-cells.ts';
import { InputError } from '../src/data/input-error.ts';
import {
  concatTables,
  parseNumberCell,
  selectRows,
  tableFromCsvText,
  tableFromRecords,
  tableRow,
  TableError,
} from '../src/data/table.ts';

function csvError(text: string, line: number, pattern: RegExp): void {
  assert.throws(
    () => parseCsv(text),
    (err: unknown) => {
      assert.ok(err instanceof CsvError && err instanceof InputError);
      assert.equal(err.line, line);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('parseCsv', () => {
  test('reads quotes, escaped quotes, embedded commas and line breaks, CRLF and a BOM', () => {
    const text = '\uFEFFname,note,n\r\n"Smith, J","said ""hi""",1\r\n"multi\nline",plain,2\r\n\r\nx,,3';
    const doc = parseCsv(text);
    assert.deepEqual(doc.header, ['name', 'note', 'n']);
    assert.deepEqual(doc.rows, [
      ['Smith, J', 'said "hi"', '1'],
      ['multi\nline', 'plain', '2'],
      ['x', '', '3'],
    ]);
    // Record 2 spans lines 3-4 (a quoted line break), line 5 is blank and skipped, so record 3 is on line 6.
    assert.deepEqual(doc.lines, [2, 3, 6]);
  });

  test('a trailing newline adds no record', () => {
    assert.equal(parseCsv('a,b\n1,2\n').rows.length, 1);
  });

  test('errors name the line and the column', () => {
    csvError('a,b\n1,2\n3\n', 3, /^line 3: column 2: expected 2 fields as in the header, got 1$/);
    csvError('a,b\n1,2\n3,4,5\n', 3, /^line 3: column 3: expected 2 fields as in the header, got 3$/);
    csvError('a,b\n"x\ny",2,3\n', 2, /^line 2: column 3: expected 2 fields/);
    csvError('a,b\n1,2\n"3,4\n', 3, /^line 3: column 1: unterminated quoted field$/);
    csvError('a,b\n1,"2"x\n', 2, /^line 2: column 2: unexpected character after the closing quote$/);
    csvError('a,b\n1,2"\n', 2, /^line 2: column 2: stray quote in an unquoted field$/);
    csvError('', 1, /empty file/);
    csvError('a,a\n1,2\n', 1, /^line 1: column 2: duplicate column "a" in the header$/);
    csvError('a,\n1,2\n', 1, /^line 1: column 2: the header names no column$/);
  });

  test('a stream is read only as far as asked', async () => {
    const input = Readable.from(['a,b\n1,2\n', '"3\n3",4\n5\n', '6,7\n']);
    const { header, records } = await readCsvHead(input, 2);
    assert.deepEqual(header, ['a', 'b']);
    assert.deepEqual(records, [
      { fields: ['1', '2'], line: 2 },
      { fields: ['3\n3', '4'], line: 3 },
    ]);
    await assert.rejects(
      readCsvHead(Readable.from(['a,b\n1,"2\n']), 5),
      /^CsvError: line 2: column 2: unterminated/,
    );
  });

  test('formatCsv quotes only where needed and round-trips', () => {
    const text = formatCsv(
      ['a', 'b'],
      [
        ['x,y', 1.5],
        ['say "q"', ' pad'],
      ],
    );
    assert.equal(text, 'a,b\n"x,y",1.5\n"say ""q"""," pad"\n');
    assert.deepEqual(parseCsv(text).rows, [
      ['x,y', '1.5'],
      ['say "q"', ' pad'],
    ]);
  });
});

describe('tables', () => {
  const text = 'age,channel,income\n30,web,100\n40,store,200.5\n50,web,-3e2\n';

  test('types columns (inferred or requested) into typed arrays', () => {
    const t = tableFromCsvText(text);
    assert.equal(t.rowCount, 3);
    assert.deepEqual(
      t.columns.map((c) => [c.name, c.type]),
      [
        ['age', 'numeric'],
        ['channel', 'categorical'],
        ['income', 'numeric'],
      ],
    );
    assert.ok(t.columns[0].values instanceof Float64Array);
    assert.deepEqual(tableRow(t, 2), [50, 'web', -300]);
    const picked = tableFromCsvText(text, [{ name: 'income' }, { name: 'age', type: 'categorical' }]);
    assert.deepEqual(tableRow(picked, 0), [100, '30']);
    assert.deepEqual(tableRow(selectRows(picked, [2, 0]), 0), [-300, '50']);
    assert.deepEqual(selectRows(picked, [2, 0]).lines, [4, 2]);
  });

  test('parseNumberCell is strict', () => {
    assert.equal(parseNumberCell(' 1.5e3 '), 1500);
    assert.equal(parseNumberCell('.5'), 0.5);
    for (const bad of ['', ' ', 'abc', '0x10', 'NaN', 'Infinity', '1e999', '1,5', '--1']) {
      assert.equal(parseNumberCell(bad), undefined, bad);
    }
  });

  test('a non-numeric cell names the column and the file line', () => {
    assert.throws(
      () => tableFromCsvText('age,income\n1,2\n3,abc\n', [{ name: 'income', type: 'numeric' }]),
      (err: unknown) => {
        assert.ok(err instanceof TableError && err instanceof InputError);
        assert.equal(err.message, 'column "income", line 3: "abc" is not a number');
        assert.equal(err.column, 'income');
        assert.equal(err.line, 3);
        return true;
      },
    );
    assert.throws(
      () => tableFromCsvText('age,income\n1,2\n3,\n', [{ name: 'income', type: 'numeric' }]),
      /column "income", line 3: empty value/,
    );
    assert.throws(
      () => tableFromCsvText('a,c\nx,\n', [{ name: 'c', type: 'categorical' }]),
      /column "c", line 2: empty value/,
    );
  });

  test('a missing column lists the columns there are', () => {
    assert.throws(
      () => tableFromCsvText(text, [{ name: 'height' }]),
      /column "height" not found in the header \(columns: age, channel, income\)/,
    );
  });

  test('records from a database: numeric strings accepted, null rejected with the row', () => {
    const t = tableFromRecords(
      [
        { a: '1.5', b: 'x' },
        { a: 2, b: 'y' },
      ],
      [{ name: 'a', type: 'numeric' }, { name: 'b' }],
    );
    assert.deepEqual(tableRow(t, 0), [1.5, 'x']);
    assert.equal(t.lines, undefined);
    assert.throws(
      () => tableFromRecords([{ a: 1 }, { a: null }], [{ name: 'a' }]),
      /column "a", row 2: missing value \(null\)/,
    );
    assert.throws(
      () => tableFromRecords([{ a: 'z' }], [{ name: 'a', type: 'numeric' }]),
      /column "a", row 1: "z" is not a number/,
    );
  });

  test('read leniently, bad cells are counted per column, located and kept as missing', () => {
    const badCells = new BadCells();
    const t = tableFromCsvText(
      'age,channel,income\n1,web,2\nx,,\n3,store,abc\n4,web,5\n',
      [
        { name: 'age', type: 'numeric' },
        { name: 'channel', type: 'categorical' },
        { name: 'income', type: 'numeric' },
      ],
      { badCells },
    );
    assert.equal(t.rowCount, 4);
    assert.deepEqual([...(t.columns[2].values as Float64Array)], [2, NaN, NaN, 5]);
    assert.deepEqual(t.columns[1].values, ['web', '', 'store', 'web']);
    assert.equal(badCells.total, 4);
    assert.deepEqual(badCells.summary(), [
      { column: 'age', count: 1, examples: [{ at: 'line 3', problem: '"x" is not a number' }] },
      { column: 'channel', count: 1, examples: [{ at: 'line 3', problem: 'empty value' }] },
      {
        column: 'income',
        count: 2,
        examples: [
          { at: 'line 3', problem: 'empty value' },
          { at: 'line 4', problem: '"abc" is not a number' },
        ],
      },
    ]);
    assert.equal(
      describeBadCells(badCells.summary().slice(2)),
      'income: 2 (line 3: empty value; line 4: "abc" is not a number)',
    );

    const fromRecords = new BadCells();
    const r = tableFromRecords([{ a: null }, { a: Number.NaN }, { a: 3 }], [{ name: 'a', type: 'numeric' }], {
      badCells: fromRecords,
    });
    assert.deepEqual([...(r.columns[0].values as Float64Array)], [NaN, NaN, 3]);
    assert.deepEqual(fromRecords.summary()[0].examples, [
      { at: 'row 1', problem: 'missing value (null)' },
      { at: 'row 2', problem: '"NaN" is not a number' },
    ]);
  });
});

describe('concatTables', () => {
  const cols = [
    { name: 'age', type: 'numeric' as const },
    { name: 'channel', type: 'categorical' as const },
  ];
  test('puts the rows of each table after the previous ones, column by column', () => {
    const a = tableFromRecords([{ age: 30, channel: 'store' }], cols);
    const b = tableFromRecords(
      [
        { age: 41, channel: 'online' },
        { age: 52, channel: 'store' },
      ],
      cols,
    );
    const joined = concatTables([a, b]);
    assert.equal(joined.rowCount, 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => tableRow(joined, i)),
      [
        [30, 'store'],
        [41, 'online'],
        [52, 'store'],
      ],
    );
  });
  test('refuses tables whose columns differ', () => {
    const a = tableFromRecords([{ age: 30, channel: 'store' }], cols);
    const b = tableFromRecords([{ age: 30 }], [cols[0]]);
    assert.throws(() => concatTables([a, b]), TableError);
    assert.throws(() => concatTables([]), TableError);
  });
});
