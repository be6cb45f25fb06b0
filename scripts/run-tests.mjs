#!/usr/bin/env node
// Node 20's test runner does not expand globs and exits 0 when given no files,
// so the test files are listed here explicitly and an empty list is an error.
//
// On a new machine it first installs what the tests need (scripts/setup.mjs): node_modules,
// the binaries built from the Go module proxy, Chromium, Docker and debootstrap.
//
// When run as root on Linux, the tests run inside a network namespace made for this run
// (scripts/netns.mjs), so pod traffic never touches the machine's own network stack. The
// kind quickstart runs after them, outside it: its cluster lives in Docker on the machine's
// own network stack (test/kind/cluster.ts), and running it alone keeps the two cores free
// for a real kubelet's deadlines.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runInNetns } from './netns.mjs';
import {
  ensureControlPlaneAssets,
  ensureDependencies,
  ensureOsPackage,
  root,
  SetupError,
  startKindAssets,
} from './setup.mjs';

const started = Date.now();
const say = (line) => console.error(`npm test: ${line}`);
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
const selected = (files) =>
  filters.length === 0 ? files : files.filter((f) => filters.some((flt) => relative(root, f).includes(flt)));
const files = selected(testRoots.flatMap((dir) => collect(join(root, dir))).sort());
const kindFiles = selected(collect(kindTests).sort());
if (files.length + kindFiles.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

let kindAssets;
try {
  ensureDependencies(say);
  if (files.some((f) => f.includes('screenshot')))
    ensureOsPackage(
      say,
      'chromium',
      'chromium',
      'the drift report screenshot test renders in headless Chromium',
    );
  // Started first: its Debian downloads overlap the control-plane build, its Go builds the tests.
  if (kindFiles.length > 0) kindAssets = startKindAssets(say);
  ensureControlPlaneAssets(say);
} catch (err) {
  kindAssets?.stop();
  if (!(err instanceof SetupError)) throw err;
  say(err.message);
  process.exit(2);
}

const testArgs = (list) => [
  '--import',
  'tsx',
  '--test',
  '--test-reporter=spec',
  ...list.map((f) => relative(root, f)),
];
const seconds = (ms) => `${Math.round(ms / 1000)} s`;
let code = 0;
if (files.length > 0) {
  const partStarted = Date.now();
  code = await runInNetns(process.execPath, testArgs(files), {
    prefix: 'persona-test',
    label: 'tests',
    cwd: root,
    onStart: (netns) =>
      say(`running ${files.length} test files${netns ? ` in network namespace ${netns}` : ''}`),
  });
  say(`${files.length} test files: exit ${code} after ${seconds(Date.now() - partStarted)}`);
}
if (kindFiles.length > 0) {
  try {
    await kindAssets.done;
  } catch (err) {
    if (!(err instanceof SetupError)) throw err;
    say(err.message);
    process.exit(2);
  }
  const partStarted = Date.now();
  say(`running the kind quickstart (${kindFiles.length} file) on the machine's network stack`);
  const kindCode = await runInNetns(process.execPath, testArgs(kindFiles), {
    label: 'kind tests',
    cwd: root,
    isolate: false,
  });
  say(`kind quickstart: exit ${kindCode} after ${seconds(Date.now() - partStarted)}`);
  code ||= kindCode;
}
say(`finished in ${seconds(Date.now() - started)} (exit ${code})`);
process.exit(code);
