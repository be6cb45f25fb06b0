#!/usr/bin/env node
// Node 20's test runner does not expand globs and exits 0 when given no files,
// so the test files are listed here explicitly and an empty list is an error.
//
// When run as root on Linux, the tests run inside a network namespace made for this run:
// pods of the local cluster get addresses from 198.18.0.0/15 (made local there with one
// AnyIP route), so their traffic never touches the machine's own network stack and the
// namespace disappears with the run.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testRoots = ['core/test', 'operator/test', 'predictor/test', 'test'];
const POD_CIDR = '198.18.0.0/15';

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
    if (statSync(path).isDirectory()) files.push(...collect(path));
    else if (name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

/** Makes a network namespace for this run, or returns undefined where that is not possible. */
function makeNetns() {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env.PERSONA_TEST_NETNS === 'off')
    return;
  if (process.env.PERSONA_TEST_NETNS) return; // already inside one
  const name = `persona-test-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  } catch (err) {
    console.error(
      `tests: no network namespace (${String(err.stderr ?? err.message).trim()}); pods use 127.0.x.y`,
    );
    return;
  }
  const inNs = (...args) => execFileSync('ip', ['netns', 'exec', name, ...args], { stdio: 'pipe' });
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('ip', 'route', 'add', 'local', POD_CIDR, 'dev', 'lo');
  return name;
}

function removeNetns(name) {
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

const filters = process.argv.slice(2);
let files = testRoots.flatMap((dir) => collect(join(root, dir))).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((flt) => relative(root, f).includes(flt)));
if (files.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const netns = makeNetns();
console.error(`running ${files.length} test files${netns ? ` in network namespace ${netns}` : ''}`);
const nodeArgs = [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  ...files.map((f) => relative(root, f)),
];
const [cmd, args] = netns
  ? ['ip', ['netns', 'exec', netns, process.execPath, ...nodeArgs]]
  : [process.execPath, nodeArgs];
const child = spawn(cmd, args, {
  cwd: root,
  stdio: 'inherit',
  env: netns ? { ...process.env, PERSONA_TEST_NETNS: netns } : process.env,
});
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
child.on('exit', (code, signal) => {
  if (netns) removeNetns(netns);
  process.exit(signal ? 1 : (code ?? 1));
});
