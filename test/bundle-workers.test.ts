// The bundle users run (scripts/bundle.mjs, the container image's dist/) ships the worker
// entry points: k-means restarts, the streamed trainer's pool work and drift statistics really
// run on more than one thread there, rather than falling back to the calling thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRng } from '../core/src/random/rng.ts';
import type { DriftTask, DriftTaskResult } from '../core/src/drift/worker.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the repository, so the bundle resolves its external packages from node_modules.
mkdirSync(join(root, '.cache'), { recursive: true });
const dir = mkdtempSync(join(root, '.cache', 'bundle-test-'));
const dist = join(dir, 'dist');

before(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle.mjs'), dist], { stdio: 'ignore' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `persona train` from the bundle on `rows` rows of `d` columns in `groups` groups and
 * returns its progress lines (stderr).
 */
function trainFromBundle(name: string, rows: number, d: number, groups: number, flags: string[]): string {
  const rng = createRng(rows);
  const lines = [Array.from({ length: d }, (_, t) => `f${t}`).join(',')];
  for (let i = 0; i < rows; i++) {
    lines.push(Array.from({ length: d }, () => ((i % groups) * 3 + rng.normal()).toFixed(4)).join(','));
  }
  const data = join(dir, `${name}.csv`);
  writeFileSync(data, lines.join('\n') + '\n');
  const run = spawnSync(
    process.execPath,
    [join(dist, 'persona.mjs'), 'train', '--data', data, '--out', join(dir, `${name}.json`), ...flags],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  return run.stderr;
}

test('persona train from the bundle runs its k-means restarts on two worker threads', () => {
  // 6000 x 10 values: above the size below which the pool stays in one thread.
  const log = trainFromBundle('rows', 6000, 10, 3, ['--k', '2..3', '--n-init', '2', '--workers', '2']);
  assert.match(log, /chose k=\d+ in [\d.]+ s \(restarts on 2 threads\)/);
});

test('persona train --algorithm minibatch from the bundle streams the rows and places them on two worker threads', () => {
  // 12000 rows: the 10000-row reservoir sample is above the size below which the pool stays in one thread.
  const log = trainFromBundle('stream', 12_000, 5, 4, [
    ...['--k', '2..5', '--n-init', '1', '--workers', '2'],
    ...['--algorithm', 'minibatch', '--batch-size', '512'],
  ]);
  assert.match(log, /mini-batch pass/, 'trained with mini-batch');
  assert.match(log, /chose k=\d+ in [\d.]+ s \(restarts on 2 threads\)/);
});

test("the bundle's drift worker tests a column on its own thread", async () => {
  const worker = new Worker(pathToFileURL(join(dist, 'drift-worker.mjs')));
  try {
    const values = (shift: number) => Float64Array.from({ length: 200 }, (_, i) => (i % 20) + shift);
    const task: DriftTask = {
      index: 0,
      reference: { name: 'x', type: 'numeric', values: values(0) },
      current: { name: 'x', type: 'numeric', values: values(5) },
      options: { numeric: 'ks' },
    };
    const reply = await new Promise<DriftTaskResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(task);
    });
    assert.ok(reply.ok, 'the worker reported an error');
    assert.notEqual(reply.thread, 0);
    assert.equal(reply.result.test, 'ks');
  } finally {
    await worker.terminate();
  }
});
