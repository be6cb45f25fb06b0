// The Docker daemon kind runs on: the one already running when there is one, otherwise a
// dockerd started here (as root) and stopped again by `down`. On machines whose capability
// bounding set lacks CAP_SYS_RESOURCE the dockerd started here runs containers through
// kind/runtime/runc-bounded, because privileged containers (every kind node) fail there.
import { execFile, execFileSync, spawn, type ExecFileOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kindCacheRoot } from './paths.ts';

export type Log = (line: string) => void;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const boundedRuntimePath = join(repoRoot, 'kind', 'runtime', 'runc-bounded');

/**
 * Addresses of a dockerd started here: the default bridge and every network it hands out
 * (including kind's, see cluster.ts) come from 198.19.0.0/16, a benchmarking range that no
 * real network uses, instead of Docker's private-range defaults.
 */
export const DOCKER_BRIDGE_IP = '198.19.255.1/24';
export const DOCKER_ADDRESS_POOL = 'base=198.19.240.0/20,size=24';

const CAP_SYS_RESOURCE = 24;

/** Capabilities this process can never hold (missing from its bounding set), by number. */
export function missingBoundingCapabilities(): number[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const match = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  if (!match) return [];
  const bound = BigInt(`0x${match[1]}`);
  return [CAP_SYS_RESOURCE].filter((cap) => ((bound >> BigInt(cap)) & 1n) === 0n);
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command and returns its stdout; the error names the command and carries stderr. */
export function run(file: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const options: ExecFileOptions = {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 0,
      encoding: 'utf8',
    };
    const child = execFile(file, args, options, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim() || String(stdout).trim() || err.message;
        reject(new Error(`${file} ${args.join(' ')} failed: ${detail}`));
      } else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a long command with its output streamed line by line to `log`. */
export function stream(file: string, args: string[], log: Log, opts: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const onData = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => reject(new Error(`could not run ${file}: ${err.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${file} ${args.join(' ')} exited ${code}:\n${tail.join('\n')}`)),
    );
  });
}

export function docker(args: string[], opts: RunOptions = {}): Promise<string> {
  return run('docker', args, opts);
}

export async function daemonAnswers(): Promise<boolean> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
    return true;
  } catch {
    return false;
  }
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const pidFile = (): string => join(kindCacheRoot(), 'dockerd.pid');
export const dockerdLogPath = (): string => join(kindCacheRoot(), 'dockerd.log');

/** True when the running dockerd is the one `ensureDocker` started. */
export function startedHere(): boolean {
  if (!existsSync(pidFile())) return false;
  const pid = Number(readFileSync(pidFile(), 'utf8').trim());
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * dockerd outlives the process that starts it and runs the kind cluster, so it must not
 * inherit a low priority: `npm test` builds the kind assets in a niced background process.
 */
function atNormalPriority(cmd: string, args: string[]): [string, string[]] {
  const nice = getPriority();
  if (nice <= 0 || !hasCommand('nice')) return [cmd, args];
  const io = hasCommand('ionice') ? ['ionice', '-c', '2', '-n', '4'] : [];
  return ['nice', ['-n', String(-nice), ...io, cmd, ...args]];
}

/**
 * Makes sure a Docker daemon answers: uses a running one as it is, or starts dockerd (root
 * only) with the wrapper runtime where the machine needs it. Fails naming what is missing.
 */
export async function ensureDocker(log: Log): Promise<{ started: boolean }> {
  if (!hasCommand('docker')) {
    throw new Error(
      'no `docker` command: install Docker (Debian/Ubuntu: `apt-get install docker.io`) or put it on PATH',
    );
  }
  if (await daemonAnswers()) return { started: false };
  if (process.getuid?.() !== 0) {
    throw new Error(
      'no Docker daemon answers and starting one needs root: start Docker yourself ' +
        '(`sudo systemctl start docker`), or run this as root',
    );
  }
  if (!hasCommand('dockerd')) {
    throw new Error('no Docker daemon answers and `dockerd` is not installed: `apt-get install docker.io`');
  }
  const args = [
    `--bip=${DOCKER_BRIDGE_IP}`,
    `--default-address-pool=${DOCKER_ADDRESS_POOL}`,
    '--storage-driver=overlay2',
  ];
  const missing = missingBoundingCapabilities();
  if (missing.length > 0) {
    log(
      `this machine's capability bounding set lacks CAP_SYS_RESOURCE: ` +
        `containers run through ${boundedRuntimePath}`,
    );
    args.push(`--add-runtime=runc-bounded=${boundedRuntimePath}`, '--default-runtime=runc-bounded');
  }
  mkdirSync(kindCacheRoot(), { recursive: true });
  const out = openSync(dockerdLogPath(), 'a');
  const [cmd, cmdArgs] = atNormalPriority('dockerd', args);
  const child = spawn(cmd, cmdArgs, { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(pidFile(), String(child.pid));
  log(`started dockerd (pid ${child.pid}, log ${dockerdLogPath()})`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await daemonAnswers()) return { started: true };
    if (child.exitCode !== null || !startedHere()) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const tail = readFileSync(dockerdLogPath(), 'utf8').trim().split('\n').slice(-15).join('\n');
  throw new Error(
    `dockerd did not start (kernel without overlayfs or cgroups, or no privilege?). Its log:\n${tail}`,
  );
}

/** Stops the dockerd that `ensureDocker` started; leaves any other daemon alone. */
export async function stopDockerStartedHere(log: Log): Promise<void> {
  if (!startedHere()) return;
  const pid = Number(readFileSync(pidFile(), 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  rmSync(pidFile(), { force: true });
  log(`stopped dockerd (pid ${pid})`);
}

/**
 * A docker CLI that can build with BuildKit (our Dockerfile mounts a build secret): the one
 * on PATH when it has buildx or predates its split (Docker 20.10 builds with BuildKit
 * itself); otherwise Debian's /usr/bin/docker when that one can.
 */
export async function buildkitDocker(): Promise<string> {
  const candidates = ['docker', '/usr/bin/docker'];
  for (const cli of candidates) {
    try {
      await run(cli, ['buildx', 'version'], { timeoutMs: 10_000 });
      return cli;
    } catch {
      // no buildx plugin: fine when the client is older than 23, which builds with BuildKit itself
    }
    try {
      const version = (await run(cli, ['version', '--format', '{{.Client.Version}}'])).trim();
      if (Number(version.split('.')[0]) < 23) return cli;
    } catch {
      // not installed
    }
  }
  throw new Error(
    'no docker CLI here can build with BuildKit: install the buildx plugin (`apt-get install docker-buildx` ' +
      'where packaged) or Debian bookworm’s `docker.io`',
  );
}
