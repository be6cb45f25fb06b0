// Crash points for crash-consistency tests: the operator's guarantees (no duplicate Job, no
// lost promotion) are about dying between a side effect and the status write that records
// it, a window too short to hit with a signal from outside. PERSONA_FAILPOINTS names the
// points (comma-separated) at which the process kills itself with SIGKILL, as a crash would.
const armed = new Set(
  (process.env.PERSONA_FAILPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export type Failpoint = 'after-job-create' | 'after-training-observed' | 'after-promotion';

export function failpoint(name: Failpoint): void {
  if (!armed.has(name)) return;
  process.stderr.write(
    `${JSON.stringify({ level: 60, msg: 'failpoint reached: SIGKILL', failpoint: name })}\n`,
  );
  process.kill(process.pid, 'SIGKILL');
}
