#!/usr/bin/env node
// Node 20's test runner does not expand globs and exits 0 when given no files,
// so the test files are listed here explicitly and an empty list is an error.
//
// When run as root on Linux, the tests run inside a network namespace made for this run
// (scripts/netns.mjs), so pod traffic never touches the machine's own network stack.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInNetns } from './netns.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// test/kind needs Docker and a kind cluster on the machine's own network stack (see
// test/kind/cluster.ts): it runs through `npm run test:kind`, not in the namespace below.
const kindTests = join(root, 'test', 'kind');
const testRoots = [
  'cli/test',
  'core/test',
  'registry/test',
  'jobs/test',
  'operator/test',
  'predictor/test',
  'test',
];

function collect(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const files = [];
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (path === kindTests) continue;
    if (statSync(path).isDirectory()) files.push(...collect(path));
    else if (name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const filters = process.argv.slice(2);
let files = testRoots.flatMap((dir) => collect(join(root, dir))).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => relative(root, f).includes(flt)));
if (files.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const nodeArgs = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  ...files.map((f) => relative(root, f)),
];
const code = await runInNetns(process.execPath, nodeArgs, {
  prefix: 'persona-test',
  label: 'tests',
  cwd: root,
  onStart: (netns) =>
    console.error(`running ${files.length} test files${netns ? ` in network namespace ${netns}` : ''}`),
});
process.exit(code);
