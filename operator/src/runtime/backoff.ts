// Exponential backoff with jitter, shared by the work queue and the informer's reconnects.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction of the delay added at random, so many clients do not retry in step. */
  jitter?: number;
}

/** Delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, plus jitter. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 52)));
  const jitter = opts.jitter ?? 0;
  return Math.min(opts.maxMs, exp + exp * jitter * random());
}

/** Counts consecutive failures; `next()` gives the delay for the next retry, `reset()` on success. */
export class Backoff {
  private attempts = 0;

  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    this.attempts++;
    return backoffDelay(this.attempts, this.opts, this.random);
  }

  reset(): void {
    this.attempts = 0;
  }

  get failures(): number {
    return this.attempts;
  }
}
