// Reading the operator's JSON log (pino) for bench:scale: its warnings and errors counted by
// cause, so a run says why reconciles failed instead of only how often. A cause is the log
// message with its error text; names, uids and counts are blanked so that the same failure
// on a thousand objects is one row.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** pino's numeric levels: warn and above are tallied. */
const WARN = 40;
const RECONCILE_FAILED = 'reconcile failed; retrying with backoff';

export interface LogCauses {
  /** "controller: error text" -> reconciles that failed with it. */
  reconcileErrors: Record<string, number>;
  /** Other warnings and errors, "message: error text" -> lines. */
  otherWarnings: Record<string, number>;
}

/** The error text with what differs from object to object blanked. */
export function normaliseCause(text: string): string {
  return (
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uid>')
      .replace(/"[^"]*"/g, '"…"')
      // Object names the bench makes (m-0042, scale-07, m-0042-train-1a2b3c) and keys of them.
      .replace(/\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*-\d[a-z0-9-]*(?:\/[a-z0-9-]+)?/g, '<name>')
      .replace(/\b\d{4,}\b/g, 'N')
      .slice(0, 300)
  );
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string')
    return (value as { message: string }).message;
  return value === undefined ? '' : JSON.stringify(value);
}

export class LogTally {
  private readonly causes: LogCauses = { reconcileErrors: {}, otherWarnings: {} };

  /** Counts one log line; lines that are not JSON or below warn are ignored. */
  add(line: string): void {
    if (!line.startsWith('{')) return;
    let entry: { level?: unknown; msg?: unknown; err?: unknown; controller?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.level !== 'number' || entry.level < WARN) return;
    const err = normaliseCause(text(entry.err));
    const bump = (table: Record<string, number>, cause: string) => (table[cause] = (table[cause] ?? 0) + 1);
    if (entry.msg === RECONCILE_FAILED)
      bump(this.causes.reconcileErrors, `${text(entry.controller)}: ${err}`);
    else bump(this.causes.otherWarnings, err ? `${text(entry.msg)}: ${err}` : text(entry.msg));
  }

  /** Tallies every line `stream` prints from now on. */
  follow(stream: Readable): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => this.add(l));
  }

  summary(): LogCauses {
    return {
      reconcileErrors: { ...this.causes.reconcileErrors },
      otherWarnings: { ...this.causes.otherWarnings },
    };
  }
}

/** The table's rows, most frequent first, as printable lines. */
export function describeCauses(table: Record<string, number>, most = 12): string[] {
  const rows = Object.entries(table).sort((a, b) => b[1] - a[1]);
  const lines = rows.slice(0, most).map(([cause, n]) => `${String(n).padStart(7)}  ${cause}`);
  if (rows.length > most) lines.push(`         (${rows.length - most} more causes in the record)`);
  return lines;
}
