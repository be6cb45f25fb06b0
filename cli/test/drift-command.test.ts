// `persona drift` local mode end to end: the real CLI in a child process on CSV files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/persona.js', import.meta.url));
let dir = '';

function persona(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'drift', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A CSV of n rows: age (numeric), channel (categorical); `shift` moves age. */
function csv(
  name: string,
  n: number,
  shift: number,
  channels = 'abc',
  extra?: (i: number) => string,
): string {
  const lines = [extra ? 'age,channel,note' : 'age,channel'];
  for (let i = 0; i < n; i++) {
    const age = 40 + shift + 10 * Math.sin(i * 1.7);
    lines.push(`${age.toFixed(3)},${channels[i % channels.length]}${extra ? `,${extra(i)}` : ''}`);
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('persona drift (local mode)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'persona-drift-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--json prints exactly the documented document; --html writes the report', () => {
    const ref = csv('ref.csv', 300, 0);
    const cur = csv('cur.csv', 200, 8, 'aabc');
    const html = join(dir, 'report.html');
    const r = persona('--reference', ref, '--current', cur, '--json', '--html', html);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['driftDetected', 'rule', 'fired', 'driftShare', 'columns']);
    assert.equal(doc.driftDetected, true);
    assert.equal(doc.driftShare, 1);
    const columns = doc.columns as Record<string, unknown>[];
    assert.deepEqual(
      columns.map((c) => [c.name, c.test, c.drifted]),
      [
        ['age', 'ks', true],
        ['channel', 'chisquare', true],
      ],
    );
    for (const c of columns)
      assert.deepEqual(Object.keys(c), ['name', 'test', 'statistic', 'pValue', 'threshold', 'drifted']);
    assert.match(readFileSync(html, 'utf8'), /Drift detected/);
  });

  test('readable output without --json; options reach the tests', () => {
    const ref = csv('ref2.csv', 300, 0);
    const cur = csv('cur2.csv', 300, 0.1);
    const r = persona(
      '--reference',
      ref,
      '--current',
      cur,
      '--feature-test',
      'age=psi:0.5',
      '--features',
      'age',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^no drift; drift when any of feature share\nfeatures: 0 of 1 columns drifted/);
    assert.match(r.stdout, /age\s+numeric\s+psi\s+\S+\s+-\s+0\.5\s+no/);
  });

  test('an unusable current cell is counted with its column and line, not an error', () => {
    const cur = join(dir, 'c4.csv');
    writeFileSync(cur, 'age,channel\n41,a\nforty,b\n,c\n45,a\n');
    const r = persona('--reference', csv('r4.csv', 20, 0), '--current', cur);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /current data: unusable cells, counted as missing: age: 2 \(line 3: "forty" is not a number; line 4: empty value\)/,
    );
    const json = persona('--reference', csv('r4.csv', 20, 0), '--current', cur, '--json');
    const doc = JSON.parse(json.stdout) as { badCells: unknown; columns: { name: string }[] };
    assert.deepEqual(doc.badCells, [
      {
        column: 'age',
        count: 2,
        examples: [
          { at: 'line 3', problem: '"forty" is not a number' },
          { at: 'line 4', problem: 'empty value' },
        ],
      },
    ]);
  });

  const bad: [string, () => string[], RegExp][] = [
    ['missing --current', () => ['--reference', 'x.csv'], /--current FILE is required/],
    [
      'missing file',
      () => ['--reference', join(dir, 'nope.csv'), '--current', join(dir, 'nope.csv')],
      /reference data .*nope\.csv: ENOENT/,
    ],
    [
      'column missing from current data',
      () => ['--reference', csv('r3.csv', 20, 0, 'ab', () => 'x'), '--current', csv('c3.csv', 20, 0)],
      /current data .*c3\.csv: column "note" not found in the header/,
    ],
    [
      'unknown test',
      () => [
        '--reference',
        csv('r5.csv', 20, 0),
        '--current',
        csv('c5.csv', 20, 0),
        '--numeric-test',
        'ttest',
      ],
      /tests.numeric must be one of/,
    ],
    [
      'bad threshold',
      () => ['--reference', 'a', '--current', 'b', '--threshold', 'high'],
      /--threshold: expected a number, got "high"/,
    ],
  ];
  for (const [name, args, message] of bad) {
    test(`bad input exits 2: ${name}`, () => {
      const r = persona(...args());
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, message);
    });
  }
});
