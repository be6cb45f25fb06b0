// Runs `persona serve` as a real child process and follows its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../../cli/bin/persona.js', import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ServeProcess {
  child: ChildProcess;
  lines: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (already seen or future) matching `pred`. */
  waitFor: (pred: (l: LogLine) => boolean, what: string) => Promise<LogLine>;
  exited: Promise<number | null>;
}

export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 0, msg: text };
    }
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.pred(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pred: (l: LogLine) => boolean, what: string) => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      waiters.push({ pred, resolve });
      void exited.then((code) => {
        // Give the last stdout lines a moment to be read before calling it a failure.
        setTimeout(() => {
          const late = lines.find(pred);
          if (late) resolve(late);
          else
            reject(
              new Error(
                `persona serve exited (${code}) before logging ${what}; stderr: ${stderr}\nstdout: ${JSON.stringify(lines)}`,
              ),
            );
        }, 100);
      });
    });
  };
  return { child, lines, stderr: () => stderr, waitFor, exited };
}

export const ROOT_DIR = ROOT;
