// One notification over HTTP with retries: exponential backoff with jitter on network errors,
// timeouts, 5xx and 429 (waiting what the server asks for when it says), no retry on other
// answers since the same request would be refused again. Never throws: the outcome is a value.
import type { NotifyOptions } from './types.ts';
import { redact } from '@persona-operator/core/redact';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** What one answer means: done, try again (maybe after a server-given delay), or give up. */
export type AttemptOutcome =
  { kind: 'ok' } | { kind: 'retry'; error: string; retryAfterMs?: number } | { kind: 'fail'; error: string };

export interface Delivery {
  url: string;
  /** Headers of one attempt (a webhook signs each attempt with its own timestamp). */
  headers: (body: string) => Record<string, string>;
  body: string;
  interpret: (answer: HttpAnswer) => AttemptOutcome;
  /** Values that must never appear in an error message. */
  secrets: readonly (string | undefined)[];
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  error?: string;
  status?: number;
}

export const DEFAULTS = {
  timeoutMs: 10_000,
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
} as const;

/** Longest response body kept for error messages. */
const MAX_ERROR_BODY = 200;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** A short, secret-free excerpt of a response body. */
export function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_BODY ? `${oneLine.slice(0, MAX_ERROR_BODY)}...` : oneLine;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause?.message ?? e.cause?.code;
  return `network error: ${cause ?? e.message ?? String(err)}`;
}

export async function deliver(d: Delivery, opts: NotifyOptions = {}): Promise<DeliveryResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULTS.maxAttempts);
  const baseDelayMs = opts.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = opts.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? (() => new Date());
  let status: number | undefined;
  let error = '';
  for (let attempt = 1; ; attempt++) {
    let outcome: AttemptOutcome;
    try {
      const res = await doFetch(d.url, {
        method: 'POST',
        headers: d.headers(d.body),
        body: d.body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      const text = await res.text();
      outcome = d.interpret({ status: res.status, headers: res.headers, text });
      if (outcome.kind === 'retry' && outcome.retryAfterMs === undefined) {
        const after = retryAfterMs(res.headers.get('retry-after'), now());
        if (after !== undefined) outcome = { ...outcome, retryAfterMs: after };
      }
    } catch (err) {
      outcome = { kind: 'retry', error: describeFetchError(err, timeoutMs) };
    }
    if (outcome.kind === 'ok') return { ok: true, attempts: attempt, ...(status ? { status } : {}) };
    error = redact(outcome.error, d.secrets);
    if (outcome.kind === 'fail' || attempt >= maxAttempts) {
      const tries = outcome.kind === 'retry' ? ` (gave up after ${attempt} attempts)` : '';
      return { ok: false, attempts: attempt, error: `${error}${tries}`, ...(status ? { status } : {}) };
    }
    // Full jitter keeps many monitors from retrying in step; the server's own delay is exact.
    const backoff = baseDelayMs * 2 ** (attempt - 1);
    const delay = outcome.retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
    await sleep(Math.min(delay, maxDelayMs));
  }
}
