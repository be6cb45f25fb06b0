#!/usr/bin/env node
// `npm run demo`: the one-command local demo. This launcher is plain JavaScript so it runs
// before the dependencies are installed: it checks the prerequisites, installs what is
// missing (node_modules, the control-plane binaries), then runs scripts/demo.ts inside a
// network namespace of its own when root (scripts/netns.mjs). The binaries are built here,
// outside the namespace, because the namespace has no route to the Go module proxy.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runInNetns } from './netns.mjs';
import { ensureControlPlaneAssets, ensureDependencies, onPath, root, SetupError } from './setup.mjs';

const started = Date.now();
const say = (line) => console.log(`demo: ${line}`);

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(2);
}

/** The folder holding initdb and postgres, or undefined when DATABASE_URL names a server to use. */
function findPostgres() {
  if (process.env.DATABASE_URL) return undefined;
  const candidates = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  const initdb = onPath('initdb');
  if (initdb) candidates.push(join(initdb, '..'));
  const found = candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
  );
  if (!found) {
    fail(
      'PostgreSQL server binaries (initdb, postgres) not found. Install PostgreSQL ' +
        '(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) and set PG_BIN ' +
        'to the folder holding initdb if it is not found, or set DATABASE_URL to a server the demo may create a database on.',
    );
  }
  if (process.getuid?.() === 0) {
    // As root the throwaway cluster runs as the postgres user (the server refuses to run as root).
    const probe = spawnSync('id', ['-u', 'postgres'], { stdio: 'pipe' });
    if (probe.status !== 0)
      fail('running as root needs a "postgres" user for the throwaway database (useradd -r postgres)');
  }
  return found;
}

/** Runs the set-up steps, turning a SetupError into the demo's own failure message. */
function setUp(steps) {
  try {
    steps();
  } catch (err) {
    if (err instanceof SetupError) fail(err.message);
    throw err;
  }
}

function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) fail(`Node.js 20 or newer is needed, this is ${process.version}`);
  if (!onPath('kubectl'))
    fail('kubectl not found on PATH: install it (https://kubernetes.io/docs/tasks/tools/)');
  const asRootOnLinux = process.platform === 'linux' && process.getuid?.() === 0;
  if (asRootOnLinux && !onPath('ip') && process.env.PERSONA_TEST_NETNS !== 'off')
    fail('`ip` (iproute2) not found: it makes the demo network namespace; or set PERSONA_TEST_NETNS=off');
  return findPostgres();
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  setUp(() => ensureDependencies(say));
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--help'], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exit(res.status ?? 1);
}
const pgBin = checkPrerequisites();
setUp(() => {
  ensureDependencies(say);
  ensureControlPlaneAssets(say);
});
const env = { ...process.env, ...(pgBin ? { PG_BIN: pgBin } : {}) };
// "off" only tells runInNetns not to make a namespace; the node agent must not take it for
// the name of one (it would then add the pod route to this machine's own routing table).
if (env.PERSONA_TEST_NETNS === 'off') delete env.PERSONA_TEST_NETNS;
const code = await runInNetns(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
  prefix: 'persona-demo',
  label: 'demo',
  cwd: root,
  env,
  onStart: (netns) =>
    say(
      netns
        ? `running in network namespace ${netns} (pods get 198.18.x.y addresses there; removed on exit)`
        : `running without a network namespace (${process.env.PERSONA_TEST_NETNS === 'off' ? 'PERSONA_TEST_NETNS=off' : 'it needs root on Linux'}): pods use 127.0.x.y addresses`,
    ),
});
say(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${code})`);
process.exit(code);
