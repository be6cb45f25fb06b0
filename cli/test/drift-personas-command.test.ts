// `persona drift --model-file` (local mode with a model): the persona tests as the drift Job
// runs them, on the seed scenario's CSV files, in the table, --json and --html outputs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriftSummary } from '@persona-operator/core/drift/index';
import { writeSeedScenario } from '@persona-operator/core/synth/write';
import { seedScenario, trainSeedModel } from '../../core/test/support/seed-model.ts';

const BIN = fileURLToPath(new URL('../bin/persona.js', import.meta.url));
let dir = '';
let model = '';

function persona(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'drift', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const month = (name: string) => join(dir, `${name}.csv`);
const check = (current: string, ...args: string[]) =>
  persona('--reference', month('january'), '--current', month(current), '--model-file', model, ...args);

describe('persona drift --model-file', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persona-drift-personas-'));
    await writeSeedScenario(dir, seedScenario);
    model = join(dir, 'model.json');
    writeFileSync(model, JSON.stringify(await trainSeedModel()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('March in the table: the rule, the persona mix with who grew, novelty, per persona', () => {
    const r = check('march');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^DRIFT DETECTED \(fired: feature share, persona mix, novelty, per-persona drift\); drift when any of feature share, persona mix, novelty, per-persona drift\n/,
    );
    assert.match(r.stdout, /persona reference: the reference data, 400 rows/);
    assert.match(r.stdout, /persona mix: chisquare p \S+, threshold 0\.05: DRIFTED/);
    assert.match(r.stdout, /Budget Brian\s+\d+\.\d%\s+\d+\.\d%\s+grew/);
    assert.match(r.stdout, /\s+shrank\n/);
    assert.match(
      r.stdout,
      /novelty: \d+\.\d% of the rows \(\d+ of 400\) are farther from every persona .*: DRIFTED/,
    );
    assert.match(
      r.stdout,
      /per persona \(at least 30 rows on both sides; false-alarm rate 1\.0% over \d+ tests\):/,
    );
  });

  test('February: no test fires', () => {
    const r = check('february', '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DriftSummary;
    assert.equal(doc.driftDetected, false);
    assert.deepEqual(doc.fired, []);
    assert.equal(doc.personas?.mix?.drifted, false);
    assert.equal(doc.personas?.novelty?.drifted, false);
    assert.ok(doc.personas?.perPersona?.personas.every((p) => !p.drifted));
  });

  test('--json and --html carry the persona tests', () => {
    const html = join(dir, 'march.html');
    const r = check('march', '--json', '--html', html);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DriftSummary;
    assert.deepEqual(Object.keys(doc), [
      'driftDetected',
      'rule',
      'fired',
      'driftShare',
      'columns',
      'personas',
    ]);
    assert.deepEqual(Object.keys(doc.personas!), ['reference', 'assignment', 'mix', 'novelty', 'perPersona']);
    assert.deepEqual(
      doc.personas?.mix?.personas.filter((p) => p.change === 'grew').map((p) => p.name),
      ['Budget Brian'],
    );
    const page = readFileSync(html, 'utf8');
    for (const section of ['Persona mix', 'Novelty', 'Per persona'])
      assert.match(page, new RegExp(`<h2>${section}</h2>`));
  });

  test('test flags: tests switched off and an all-of rule', () => {
    const r = check(
      'march',
      '--skip-tests',
      'novelty,perPersona',
      '--drift-when',
      'all:features,personaMix',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as DriftSummary;
    assert.deepEqual(doc.rule, { allOf: ['features', 'personaMix'] });
    assert.deepEqual(doc.fired, ['features', 'personaMix']);
    assert.equal(doc.personas?.novelty, undefined);
    assert.equal(doc.personas?.perPersona, undefined);
  });

  const bad: [string, () => string[], RegExp][] = [
    [
      '--features with a model',
      () => ['--features', 'age'],
      /--features: with --model-file the model's features are compared/,
    ],
    [
      'a rule without any: or all:',
      () => ['--drift-when', 'features'],
      /--drift-when: expected any:LIST or all:LIST, got "features"/,
    ],
    [
      'an unknown test to skip',
      () => ['--skip-tests', 'mix'],
      /--skip-tests: mix is not one of personaMix, novelty, perPersona/,
    ],
    [
      'a rule naming a skipped test',
      () => ['--skip-tests', 'novelty', '--drift-when', 'any:novelty'],
      /tests\.driftWhen\.anyOf: novelty is listed but tests\.novelty\.enabled is false/,
    ],
    [
      'a bad novelty percentile',
      () => ['--novelty-percentile', '99'],
      /tests\.novelty\.percentile must be in \[0\.5, 0\.999\], got 99/,
    ],
  ];
  for (const [what, args, message] of bad) {
    test(`bad input exits 2: ${what}`, () => {
      const r = check('march', ...args());
      assert.equal(r.code, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr, message);
    });
  }

  test('bad input exits 2: persona tests in the rule without a model', () => {
    const r = persona(
      '--reference',
      month('january'),
      '--current',
      month('march'),
      '--drift-when',
      'any:personaMix',
    );
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /personaMix cannot decide the verdict, it does not run: the persona tests need the model/,
    );
  });

  test('bad input exits 2: a model whose features the data lacks', () => {
    const cur = join(dir, 'narrow.csv');
    writeFileSync(cur, 'age,income\n30,40000\n');
    const r = persona('--reference', cur, '--current', cur, '--model-file', model);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /reference data .*narrow\.csv: column "eco_score" not found in the header/);
  });
});
