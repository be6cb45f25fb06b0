// A network namespace per run, shared by the test runner and the local demo.
//
// When run as root on Linux, the command runs inside a network namespace made for this run:
// pods of the local cluster get addresses from 198.18.0.0/15 (made local there with one
// AnyIP route), so their traffic never touches the machine's own network stack and the
// namespace disappears with the run. Elsewhere the command runs directly and the node agent
// falls back to 127.0.x.y pod addresses.
import { execFileSync, spawn } from 'node:child_process';

export const POD_CIDR = '198.18.0.0/15';

/**
 * The variable that tells the node agent (test/cluster/pod-network.ts) it is inside a
 * namespace made for this run, so it may add the AnyIP route there.
 */
export const NETNS_ENV = 'PERSONA_TEST_NETNS';

/**
 * Makes a network namespace `<prefix>-<pid>` with loopback up and the pod range local, or
 * returns undefined where that is not possible (not root, not Linux, switched off with
 * PERSONA_TEST_NETNS=off, or already inside one). `label` prefixes the message printed when
 * creation fails.
 */
export function makeNetns({ prefix = 'persona-test', label = 'tests' } = {}) {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || process.env[NETNS_ENV] === 'off') return;
  if (process.env[NETNS_ENV]) return; // already inside one
  const name = `${prefix}-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  } catch (err) {
    console.error(
      `${label}: no network namespace (${String(err.stderr ?? err.message).trim()}); pods use 127.0.x.y`,
    );
    return;
  }
  const inNs = (...args) => execFileSync('ip', ['netns', 'exec', name, ...args], { stdio: 'pipe' });
  try {
    inNs('ip', 'link', 'set', 'lo', 'up');
    inNs('ip', 'route', 'add', 'local', POD_CIDR, 'dev', 'lo');
  } catch (err) {
    removeNetns(name);
    throw err;
  }
  return name;
}

export function removeNetns(name) {
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

/**
 * Spawns `cmd args` inside a namespace made by makeNetns (or directly when there is none),
 * forwards SIGINT and SIGTERM to it, and removes the namespace once it has exited.
 * `onStart(netns)` runs before the command starts (netns is undefined without one).
 * `isolate: false` runs it on the machine's own network stack, with the same signal handling.
 * Resolves with the exit code to pass on (1 when the command died of a signal).
 */
export function runInNetns(
  cmd,
  args,
  { prefix, label, cwd, env = process.env, onStart, isolate = true } = {},
) {
  const netns = isolate ? makeNetns({ prefix, label }) : undefined;
  onStart?.(netns);
  const [file, argv] = netns ? ['ip', ['netns', 'exec', netns, cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, {
    cwd,
    stdio: 'inherit',
    env: netns ? { ...env, [NETNS_ENV]: netns } : env,
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`${label ?? 'run'}: could not start ${file}: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (netns) removeNetns(netns);
      resolve(signal ? 1 : (code ?? 1));
    });
  });
}
