// Child processes that never outlive us. Every child is spawned detached (its own
// process group) so stopping it also stops whatever it forked; a temp folder per
// supervisor holds its files. Three layers of cleanup: stop() for the normal path,
// exit/signal handlers for crashes and Ctrl-C, and a tiny shell watchdog that kills
// the groups and removes the folder if this process is SIGKILLed.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  exitInfo(): Exit | undefined;
  /** Sends `signal` to the whole process group (ignored once it has exited). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<Exit>;
}

const live = new Set<Supervisor>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  // kill(-0) would signal our own group: never let an unknown pid get that far.
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to do.
  }
}

function cleanupAllSync(): void {
  for (const s of live) s.killAllSync();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      // An application that handles the signal itself stops us gracefully; the
      // exit handler remains as the safety net.
      if (process.listenerCount(sig) > 1) return;
      cleanupAllSync();
      // Re-raise so the default action (death by this signal) still happens.
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

const WATCHDOG = `
parent="$1"; dir="$2"
while kill -0 "$parent" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
if [ -f "$dir/.pgids" ]; then
  for p in $(cat "$dir/.pgids"); do kill -KILL "-$p" 2>/dev/null; done
fi
rm -rf "$dir"
`;

export class Supervisor {
  readonly dir: string;
  private readonly procs = new Set<ManagedProcess>();
  private readonly watchdog: ChildProcess;
  private stopped = false;

  constructor(prefix: string) {
    installHandlers();
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    this.watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'watchdog', String(process.pid), this.dir], {
      detached: true,
      stdio: 'ignore',
    });
    this.watchdog.unref();
    live.add(this);
  }

  spawn(name: string, file: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
    if (this.stopped) throw new Error(`cannot start ${name}: supervisor already stopped`);
    const child = spawn(file, args, { ...options, detached: true });
    if (child.pid === undefined) {
      // spawn reports ENOENT asynchronously; surface it synchronously with context.
      throw new Error(`could not start ${name} (${file})`);
    }
    const pid = child.pid;
    appendFileSync(join(this.dir, '.pgids'), `${pid}\n`);
    let info: Exit | undefined;
    const exited = new Promise<Exit>((resolve) => {
      child.on('exit', (code, signal) => {
        info = { code, signal };
        resolve(info);
      });
      child.on('error', () => {
        if (!info) {
          info = { code: 127, signal: null };
          resolve(info);
        }
      });
    });
    const proc: ManagedProcess = {
      name,
      child,
      pid,
      exited,
      exitInfo: () => info,
      signal: (sig) => {
        if (!info) killGroup(pid, sig);
      },
      stop: async (graceMs = 5000) => {
        if (!info) {
          killGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        // Children of the leader may linger after it exits; the group goes too.
        killGroup(pid, 'SIGKILL');
        this.procs.delete(proc);
        return exited;
      },
    };
    // Kept in procs after it exits, until stop(): stray grandchildren in its group still get killed.
    this.procs.add(proc);
    return proc;
  }

  /** Stops every process (in parallel) and removes the temp folder. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.procs].map((p) => p.stop(graceMs)));
    this.finish();
  }

  killAllSync(): void {
    for (const p of this.procs) killGroup(p.pid, 'SIGKILL');
    this.procs.clear();
    this.finish();
  }

  private finish(): void {
    this.stopped = true;
    rmSync(this.dir, { recursive: true, force: true });
    killGroup(this.watchdog.pid ?? 0, 'SIGKILL');
    live.delete(this);
  }
}
