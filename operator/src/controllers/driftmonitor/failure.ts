// Why a drift run failed, for the Ready condition: the checker's one-line error (its result
// line, which the kubelet copies from the log tail into the pod's termination message) or the
// Job's own failure, sorted into reasons a person can act on.
import type { V1Pod } from '@kubernetes/client-node';

export type FailureReason =
  | 'ModelNotFound'
  | 'NoProductionVersion'
  | 'QueryFailed'
  | 'EmptyResult'
  | 'MissingColumns'
  | 'BadValue'
  | 'TooManyRows'
  | 'InvalidSpec'
  | 'RunLost'
  | 'DriftCheckFailed';

export interface RunFailure {
  reason: FailureReason;
  message: string;
}

// Text is all that crosses the pod boundary: the checker already judged a database error
// (retry or not: its exit code) and only the reason for a person is read back here.
// Most specific first: "no rows" and "not in the query result" also mention the query.
const PATTERNS: readonly [RegExp, FailureReason][] = [
  [/is not in the registry|PersonaModel .* not found/i, 'ModelNotFound'],
  [/has no production version/i, 'NoProductionVersion'],
  [/returned no rows|no predictions of .* were logged/i, 'EmptyResult'],
  [
    /is not in the query result|not found in the query result|not found in the header|returned no columns/i,
    'MissingColumns',
  ],
  [
    /has no values in the|could be assigned to a persona|is not a finite number|missing value|cannot be a category|empty value|not a number/i,
    'BadValue',
  ],
  [/more than the row limit|more than \d+ rows/i, 'TooManyRows'],
  [/query failed|SQLSTATE/i, 'QueryFailed'],
  [/^drift spec:|^tests\.|spec\.tests/i, 'InvalidSpec'],
];

export function classifyFailure(message: string): FailureReason {
  for (const [pattern, reason] of PATTERNS) if (pattern.test(message)) return reason;
  return 'DriftCheckFailed';
}

/**
 * The checker's error from a termination message: its last JSON line with an `error` field
 * (`{"error", "kind", "exitCode", ...}`), else the last non-empty line of the text.
 */
export function errorFromTermination(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as { error?: unknown; msg?: unknown; level?: unknown };
      if (typeof parsed.error === 'string' && parsed.error) return parsed.error;
      // A pino error line of the checker, when the result line did not make it.
      if (typeof parsed.level === 'number' && parsed.level >= 50 && typeof parsed.msg === 'string')
        return parsed.msg;
    } catch {
      // not JSON: keep looking
    }
  }
  return lines.length ? lines[lines.length - 1] : undefined;
}

/** The most recent failed container's termination message among the Job's pods. */
export function terminationMessage(pods: readonly V1Pod[], container: string): string | undefined {
  let best: { at: number; message: string } | undefined;
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      if (status.name !== container) continue;
      const t = status.state?.terminated ?? status.lastState?.terminated;
      if (!t || t.exitCode === 0 || !t.message) continue;
      const at = t.finishedAt ? new Date(t.finishedAt).getTime() : 0;
      if (!best || at >= best.at) best = { at, message: t.message };
    }
  }
  return best?.message;
}

/** The failure of a run: the checker's own words when we have them, else the Job's. */
export function runFailure(termination: string | undefined, jobMessage: string): RunFailure {
  const checker = errorFromTermination(termination);
  const message = checker ?? jobMessage;
  return { reason: classifyFailure(message), message };
}
