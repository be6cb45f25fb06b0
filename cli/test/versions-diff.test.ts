// `persona versions --diff A B` against a real, throwaway Postgres: the stored diff of a pair as
// a table and as JSON, any other pair computed from the artifacts, and bad requests exiting 2.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { personaDiff } from '@persona-operator/core/personas/diff';
import { Registry } from '@persona-operator/registry';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { sampleArtifact } from '../../registry/test/support/sample-artifact.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'cli/bin/persona.js');

function persona(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : -1, stdout, stderr });
    });
  });
}

const model = { namespace: 'shop', name: 'customers' };

/** Ages 20..60 and incomes alongside: both personas of every version have rows. */
function withSample(a: ModelArtifact): ModelArtifact {
  const rows = Array.from({ length: 40 }, (_, i) => [20 + i, 30_000 + 1000 * i]);
  return { ...a, reference: { columns: ['age', 'income'], rows } };
}

describe('persona versions --diff', () => {
  let db: TestPostgres;
  let registry: Registry;
  let url = '';
  const v1 = withSample(sampleArtifact());
  const v2 = withSample(sampleArtifact());
  v2.personas[1] = { ...v2.personas[1], scaled: [0.6, 0.3] };
  const v3 = withSample(sampleArtifact());
  v3.personas = [{ ...v3.personas[0], name: 'Everyone', scaled: [0, 0] }];
  v3.metrics = { ...v3.metrics, k: 1, perK: [{ ...v3.metrics.perK[0], k: 1 }] };

  before(async () => {
    db = await startPostgres();
    url = db.url;
    registry = await Registry.connect(url, { max: 2 });
    await registry.migrate();
    for (const [runId, artifact] of [
      ['r1', v1],
      ['r2', v2],
      ['r3', v3],
    ] as const)
      await registry.registerVersion({ model, runId, artifact });
    await registry.storeVersionDiff(
      model,
      personaDiff(
        { version: 1, artifact: v1 },
        { version: 2, artifact: v2 },
        { source: 'training', ...v2.reference },
      ),
    );
  });
  after(async () => {
    await registry?.close();
    await db?.stop();
  });

  const diffArgs = (a: string, b: string, ...more: string[]) => [
    'versions',
    '--registry',
    url,
    '--model',
    'shop/customers',
    '--diff',
    a,
    b,
    ...more,
  ];

  test('the stored pair: a table with churn, ARI, matched personas, changes and the mix', async () => {
    const r = await persona(diffArgs('1', '2'));
    assert.equal(r.code, 0, r.stderr);
    const stored = (await registry.getVersionDiff(model, 1, 2))!.diff;
    assert.match(
      r.stdout,
      /^persona diff shop\/customers: version 1 -> 2 \(stored .* when version 2 was trained\)/,
    );
    assert.match(r.stdout, /sample: 40 training rows\n/);
    assert.ok(r.stdout.includes(`churn: ${(stored.churn! * 100).toFixed(1)}% of rows change persona`));
    assert.ok(r.stdout.includes(`adjusted Rand index: ${stored.adjustedRandIndex!.toFixed(3)}`));
    assert.match(r.stdout, /Established Spender\s+0\.45\s+age -0\.40, income -0\.20/);
    assert.match(r.stdout, /changes: none/);
    assert.match(r.stdout, /persona mix\s+v1\s+v2\n/);
  });

  test('--json: the stored diff with its origin', async () => {
    const r = await persona(diffArgs('1', '2', '--json'));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    const { createdAt, diff } = (await registry.getVersionDiff(model, 1, 2))!;
    assert.equal(out.origin, 'stored');
    assert.equal(out.storedAt, createdAt.toISOString());
    const { origin: _o, storedAt: _s, ...rest } = out;
    assert.deepEqual(rest, diff);
  });

  test('a pair never stored is computed from the artifacts: a merge shows as such', async () => {
    const r = await persona(diffArgs('1', '3'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\(computed now from both artifacts\)/);
    assert.match(r.stdout, /changes: .*merged Young Saver, Established Spender into Everyone/);
    const j = JSON.parse((await persona(diffArgs('1', '3', '--json'))).stdout) as Record<string, unknown>;
    assert.equal(j.origin, 'computed');
    assert.equal(j.fromVersion, 1);
    assert.equal(j.toVersion, 3);
    assert.equal(await registry.getVersionDiff(model, 1, 3), undefined, 'a computed diff is not stored');
  });

  test('bad requests exit 2 naming the problem', async () => {
    const one = await persona(['versions', '--registry', url, '--model', 'shop/customers', '--diff', '1']);
    assert.equal(one.code, 2);
    assert.match(one.stderr, /--diff: expected two version numbers \(--diff A B\), got 1/);
    const same = await persona(diffArgs('2', '2'));
    assert.equal(same.code, 2);
    assert.match(same.stderr, /the two versions must differ/);
    const word = await persona(diffArgs('1', 'latest'));
    assert.equal(word.code, 2);
    assert.match(word.stderr, /--diff: expected an integer >= 1, got "latest"/);
    const missing = await persona(diffArgs('1', '9'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /9/);
  });
});
