// Runs the README's commands as a user types them: bash, with the kind, kubectl and helm
// built here first on PATH and KUBECONFIG pointing at the kind cluster. A failing step prints
// what the cluster looked like before it fails.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatDuration } from '../cluster/assets.ts';
import { buildkitDocker } from './docker.ts';
import { repoRoot } from './paths.ts';

export interface Shell {
  env: NodeJS.ProcessEnv;
  /** Runs `script` with bash -euo pipefail in the repository root; resolves with stdout. */
  run(script: string, opts?: { timeoutMs?: number; input?: string }): Promise<string>;
}

export async function makeShell(opts: {
  kubeconfig: string;
  binaries: string[];
  extraEnv?: NodeJS.ProcessEnv;
}): Promise<Shell> {
  // A folder whose `docker` can build with BuildKit, for `docker build` as the README has it.
  const shim = mkdtempSync(join(tmpdir(), 'persona-kind-bin-'));
  mkdirSync(shim, { recursive: true });
  const cli = await buildkitDocker();
  if (cli !== 'docker') symlinkSync(cli, join(shim, 'docker'));
  const dirs = [shim, ...new Set(opts.binaries.map((b) => dirname(b)))];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.extraEnv,
    KUBECONFIG: opts.kubeconfig,
    DOCKER_BUILDKIT: '1',
    PATH: `${dirs.join(':')}:${process.env.PATH ?? ''}`,
  };
  const run = (script: string, o: { timeoutMs?: number; input?: string } = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: repoRoot,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
      child.stdin.end(o.input ?? '');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        stderr += `\n(killed after ${formatDuration(o.timeoutMs ?? 0)})`;
      }, o.timeoutMs ?? 300_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout);
        else
          reject(
            new Error(
              `command failed (exit ${code}):\n$ ${script.trim()}\n${stdout.slice(-4000)}${stderr.slice(-4000)}`,
            ),
          );
      });
    });
  return { env, run };
}

/** Events, pod statuses and the operator's logs: printed before a failing step fails. */
export async function clusterState(sh: Shell, namespace: string): Promise<string> {
  const parts: string[] = [];
  for (const [title, script] of [
    ['pods', 'kubectl get pods -A -o wide'],
    ['events', 'kubectl get events -A --sort-by=.lastTimestamp | tail -n 60'],
    ['persona resources', `kubectl -n ${namespace} get personas -o wide`],
    [
      'operator logs',
      `kubectl -n ${namespace} logs -l app.kubernetes.io/component=operator --all-containers --tail=80 --prefix`,
    ],
  ] as const) {
    const out = await sh.run(script, { timeoutMs: 30_000 }).catch((err: Error) => err.message);
    parts.push(`--- ${title}\n${out.trim()}`);
  }
  return parts.join('\n');
}

/** Step timings, printed at the end of the run (the README quotes them). */
export class Timings {
  private readonly rows: [string, number][] = [];
  /** `label` prefixes each line printed as a step ends. */
  constructor(private readonly label = 'kind quickstart') {}
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await fn();
    } finally {
      this.rows.push([name, Date.now() - started]);
      console.log(`${this.label}: ${name}: ${formatDuration(Date.now() - started)}`);
    }
  }
  table(): string {
    return this.rows.map(([name, ms]) => `${name.padEnd(48)} ${formatDuration(ms)}`).join('\n');
  }
}
