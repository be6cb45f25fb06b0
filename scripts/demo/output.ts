// The demo's readable output: every line stamped with the time since start, and the error
// that stops a step.
export const t0 = Date.now();
export const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7);
export const say = (line: string): void => console.log(`[${elapsed()}] ${line}`);
export const detail = (line: string): void => console.log(`          ${line}`);
export const heading = (title: string): void => console.log(`\n[${elapsed()}] == ${title} ==`);

/** A step that timed out or failed: the message is printed with the diagnostics tail. */
export class DemoError extends Error {}

export const fixed = (n: number | null | undefined, digits = 3): string =>
  n == null ? '?' : n.toFixed(digits);
export const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
export const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
