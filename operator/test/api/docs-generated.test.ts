// The CRD reference in docs/ is what the API types generate, so it lists every field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('docs/crd-reference.md and docs/cli.md are current (npm run gen:docs)', () => {
  const result = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-docs.ts', '--check'], {
    cwd: root,
    encoding: 'utf8',
    stdio: 'pipe',
  });
  assert.equal(result, '');
});

test('the reference names fields from both kinds', () => {
  const text = readFileSync(root + 'docs/crd-reference.md', 'utf8');
  for (const field of [
    '`training.k.min`',
    '`promotion.minSilhouette`',
    '`serving.version`',
    '`modelRef.name`',
    '`notify[].telegram.chatId`',
  ]) {
    assert.ok(text.includes(field), `missing ${field}`);
  }
});
