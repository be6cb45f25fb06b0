// What `npm test` and `npm run demo` install by themselves before they start: the npm
// dependencies, the binaries built from the Go module proxy, and the OS packages they need
// (installed with apt-get when run as root, otherwise named in the error). Plain JavaScript,
// because it runs before `npm ci` has installed TypeScript's loader.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

export class SetupError extends Error {}

export function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Runs a step with its output shown, throwing a SetupError that names it when it fails. */
export function runStep(cmd, args, what) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new SetupError(`${what} failed (exit ${res.status ?? res.signal})`);
}

const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;

function timedStep(say, what, cmd, args) {
  const started = Date.now();
  runStep(cmd, args, what);
  say(`${what}: done in ${minutes(Date.now() - started)}`);
}

export function ensureDependencies(say) {
  if (existsSync(join(root, 'node_modules', '.bin', 'tsx'))) return;
  say('installing dependencies (npm ci)');
  timedStep(say, 'npm ci', process.platform === 'win32' ? 'npm.cmd' : 'npm', [
    'ci',
    '--no-audit',
    '--no-fund',
  ]);
}

/** Runs a TypeScript expression's JSON result through tsx (after ensureDependencies). */
function tsxJson(expression) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', expression], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

function requireGo(what) {
  if (!onPath('go'))
    throw new SetupError(
      `${what} are built from source with Go, which is not on PATH: install Go 1.25 or newer ` +
        '(https://go.dev/dl/), or point KUBEBUILDER_ASSETS at envtest binaries',
    );
}

/** The local control plane's binaries (kube-apiserver, etcd, helm, ...). */
export function ensureControlPlaneAssets(say) {
  const missing = tsxJson(
    "import { missingAssets } from './test/cluster/assets.ts'; console.log(JSON.stringify(missingAssets()))",
  );
  if (missing.length === 0) {
    say('control-plane binaries: cached');
    return;
  }
  requireGo(`the control-plane binaries (${missing.join(', ')})`);
  say(
    `building the control-plane binaries (${missing.join(', ')}): the first build compiles Kubernetes ` +
      'and takes 20-40 min on two cores; later runs use the cache',
  );
  timedStep(say, 'control-plane binaries', process.execPath, [
    '--import',
    'tsx',
    'scripts/cluster-assets.ts',
  ]);
}

/**
 * Installs the Debian package that provides `command` when it is missing: with apt-get as
 * root, otherwise an error naming the package.
 */
export function ensureOsPackage(say, command, pkg, why) {
  if (onPath(command)) return;
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !onPath('apt-get'))
    throw new SetupError(
      `\`${command}\` not found; ${why}: install it (Debian/Ubuntu: apt-get install ${pkg})`,
    );
  say(`installing ${pkg} (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const started = Date.now();
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', pkg],
  ]) {
    const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (res.status !== 0) throw new SetupError(`apt-get ${args.join(' ')} failed (exit ${res.status})`);
  }
  say(`${pkg}: installed in ${minutes(Date.now() - started)}`);
}

/**
 * Everything the kind quickstart test needs: Docker and debootstrap from the OS now, then the
 * kind CLI, the node's binaries and every image, built here (`npm run kind:assets`, which
 * only checks when all is cached) in a background process. That process runs at the lowest
 * CPU and I/O priority, so it fills the cores the control-plane build and the fast tests
 * leave idle instead of adding its twenty-odd minutes after them, without slowing their
 * deadlines. Its lines are printed as they come. Returns `done`, which settles when it ends,
 * and `stop`, for a run that ends before it needs the assets.
 */
export function startKindAssets(say) {
  ensureOsPackage(say, 'dockerd', 'docker.io', 'the kind test runs its cluster on Docker');
  ensureOsPackage(say, 'debootstrap', 'debootstrap', 'the kind images are built from Debian roots');
  requireGo('the kind CLI and the node image’s Kubernetes binaries');
  const script = [process.execPath, '--import', 'tsx', 'scripts/kind-assets.ts'];
  const lowPriority = onPath('nice') && onPath('ionice') ? ['nice', '-n', '19', 'ionice', '-c', '3'] : [];
  const [cmd, ...args] = [...lowPriority, ...script];
  say(
    `kind assets: building or checking in the background${lowPriority.length ? ' (nice 19, idle I/O)' : ''}`,
  );
  const started = Date.now();
  const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const done = new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new SetupError(`kind assets could not start: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) {
        say(`kind assets: ready after ${minutes(Date.now() - started)}`);
        resolve();
      } else
        reject(
          new SetupError(`kind assets failed (exit ${code ?? signal}); see the kind:assets lines above`),
        );
    });
  });
  done.catch(() => undefined); // awaited by the caller; this keeps an early failure from being unhandled
  return { done, stop: () => child.kill('SIGTERM') };
}
