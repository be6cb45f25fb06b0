// The local `persona` commands run as the user runs them: a child process from the repository
// root, checking exit codes, stdout and stderr.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArtifactJson } from '@persona-operator/core/artifact/validate';
import { REFERENCE_POINTS as POINTS } from '../../core/test/support/reference-points.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'cli/bin/persona.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function persona(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number) : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

/** Exit 2 with exactly one line on stderr matching `pattern`, nothing on stdout. */
function badInput(r: Run, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit code ${r.code}, stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

// Per k, on POINTS (core/test/reference/metrics.py): inertia, silhouette, CH, DB from
// scikit-learn 1.2 on StandardScaler output (population std).
const SKLEARN: Record<number, [number, number, number, number]> = {
  2: [10.560405635737178, 0.6114161629479683, 12.726399750007955, 0.619600060929458],
  3: [0.2526527694390128, 0.9085471057401416, 422.96414472242645, 0.11412939767821906],
  4: [0.17525129844297377, 0.7514723509298541, 362.52320963445186, 0.21153881839428124],
};

describe('persona train / predict / data', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'persona-cli-'));
    await writeFile(join(dir, 'points.csv'), `x,y\n${POINTS.map((p) => p.join(',')).join('\n')}\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('--help lists the local commands', async () => {
    const r = await persona('--help');
    assert.equal(r.code, 0);
    for (const name of ['train', 'predict', 'data']) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
    const t = await persona('train', '--help');
    assert.equal(t.code, 0);
    assert.match(t.stdout, /--n-init N/);
  });

  test('train --json prints one JSON summary whose per-k metrics match scikit-learn', async () => {
    const out = join(dir, 'points-model.json');
    const r = await persona(
      'train',
      '--data',
      join(dir, 'points.csv'),
      '--k',
      '2..4',
      '--n-init',
      '10',
      '--json',
      '--out',
      out,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, 'stdout holds only the JSON summary');
    const summary = JSON.parse(lines[0]) as {
      k: number;
      perK: {
        k: number;
        inertia: number;
        silhouette: number;
        calinskiHarabasz: number;
        daviesBouldin: number;
      }[];
    };
    assert.equal(summary.k, 3);
    assert.deepEqual(
      summary.perK.map((m) => m.k),
      [2, 3, 4],
    );
    for (const m of summary.perK) {
      const [inertia, sil, ch, db] = SKLEARN[m.k];
      const close = (a: number, b: number, what: string) =>
        assert.ok(
          Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)),
          `k=${m.k} ${what}: ${a} vs scikit-learn ${b}`,
        );
      close(m.inertia, inertia, 'inertia');
      close(m.silhouette, sil, 'silhouette');
      close(m.calinskiHarabasz, ch, 'Calinski-Harabasz');
      close(m.daviesBouldin, db, 'Davies-Bouldin');
    }
    assert.match(r.stderr, /\[30\/30\] k=\d restart \d+\/10/);
    const artifact = parseArtifactJson(await readFile(out, 'utf8'));
    assert.equal(artifact.personas.length, 3);
  });

  test('data generate, train with personas, predict: names survive and every row is scored', async () => {
    const seedDir = join(dir, 'seed');
    const g = await persona('data', 'generate', '--scenario', 'seed', '--out', seedDir, '--rows', '200');
    assert.equal(g.code, 0, g.stderr);
    assert.match(g.stdout, /wrote .*january\.csv/);
    const model = join(dir, 'seed-model.json');
    const t = await persona(
      'train',
      '--data',
      join(seedDir, 'january.csv'),
      '--personas',
      join(seedDir, 'personas.yaml'),
      '--k',
      '6',
      '--n-init',
      '3',
      '--out',
      model,
    );
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^\*\s+6\s+[\d.]+\s+0\.\d{4}/m);
    assert.match(t.stdout, /Sustainable Steve/);
    const scored = join(dir, 'scored.csv');
    const p = await persona(
      'predict',
      '--model',
      model,
      '--input',
      join(seedDir, 'february.csv'),
      '--output',
      scored,
    );
    assert.equal(p.code, 0, p.stderr);
    const lines = (await readFile(scored, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 201);
    assert.match(lines[0], /,preferred_channel,persona,persona_id,distance,confidence$/);
    assert.match(
      lines[1],
      /,(Sustainable Steve|Eco-Conscious Haley|Budget Brian|Premium Paula|Digital Dana|Traditional Tom),\d,[\d.e-]+,[\d.e-]+$/,
    );

    const fixed = await persona(
      'train',
      '--data',
      join(seedDir, 'january.csv'),
      '--mode',
      'fixed',
      '--personas',
      join(seedDir, 'personas.yaml'),
      '--json',
    );
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.equal(JSON.parse(fixed.stdout).mode, 'fixed');
  });

  test('bad input exits 2 with one clear line', async () => {
    const csv = join(dir, 'points.csv');
    badInput(
      await persona('train', '--data', join(dir, 'nope.csv'), '--out', 'x.json'),
      /cannot read training data .*nope\.csv: no such file/,
    );
    badInput(
      await persona('train', '--data', csv, '--features', 'x,height', '--json'),
      /column "height" not found in the header \(columns: x, y\)/,
    );
    await writeFile(join(dir, 'bad.csv'), 'x,y\n1,2\n3,4\n5,abc\n');
    badInput(
      await persona('train', '--data', join(dir, 'bad.csv'), '--features', 'x:numeric,y:numeric', '--json'),
      /bad\.csv: column "y", line 4: "abc" is not a number/,
    );
    badInput(
      await persona('train', '--data', csv, '--k', '20', '--json'),
      /k = 20 is larger than the number of rows \(12\)/,
    );
    badInput(
      await persona('train', '--data', csv, '--k', 'two', '--json'),
      /--k: expected a range such as 2\.\.10 or a single integer such as 6, got "two"/,
    );
    badInput(
      await persona('train', '--data', csv, '--n-init', '0', '--json'),
      /--n-init: expected an integer >= 1, got "0"/,
    );
    badInput(
      await persona('train', '--data', csv, '--mode', 'fixed', '--json'),
      /--mode fixed needs --personas FILE/,
    );
    badInput(await persona('train', '--data', csv), /--out model\.json is required/);
    badInput(await persona('train', '--data', csv, '--bogus'), /Unknown option '--bogus'/);
  });

  test('predict rejects a bad model, a missing column and an unknown category with the line', async () => {
    const model = join(dir, 'mixed.json');
    await writeFile(join(dir, 'mixed.csv'), 'age,channel\n20,web\n30,store\n60,web\n70,store\n');
    const t = await persona(
      'train',
      '--data',
      join(dir, 'mixed.csv'),
      '--k',
      '2',
      '--n-init',
      '2',
      '--out',
      model,
      '--quiet',
    );
    assert.equal(t.code, 0, t.stderr);
    await writeFile(join(dir, 'rows.csv'), 'age,channel\n25,web\n35,phone\n');
    badInput(
      await persona('predict', '--model', model, '--input', join(dir, 'rows.csv')),
      /rows\.csv: line 3, feature "channel": unknown category "phone"/,
    );
    await writeFile(join(dir, 'norows.csv'), 'age\n25\n');
    badInput(
      await persona('predict', '--model', model, '--input', join(dir, 'norows.csv')),
      /column "channel" not found in the header/,
    );
    await writeFile(join(dir, 'broken.json'), '{"schemaVersion": 1}');
    badInput(
      await persona('predict', '--model', join(dir, 'broken.json'), '--input', join(dir, 'rows.csv')),
      /broken\.json: features: is required/,
    );
    badInput(
      await persona('predict', '--model', join(dir, 'none.json'), '--input', join(dir, 'rows.csv')),
      /cannot read model .*none\.json: no such file/,
    );
    const ok = await persona('predict', '--model', model, '--input', join(dir, 'mixed.csv'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trimEnd().split('\n').length, 5);
  });

  test('data rejects unknown actions and scenarios', async () => {
    badInput(
      await persona('data', 'generate', '--scenario', 'other', '--out', dir),
      /--scenario must be "seed", got "other"/,
    );
    badInput(await persona('data', 'frobnicate'), /expected "persona data generate/);
  });
});
