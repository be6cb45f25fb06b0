// Polling helper for cluster tests: waits for a condition and, on timeout, fails with
// what was last seen plus the cluster's diagnostics (component logs, pod output).
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number; diagnostics?: () => string } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last = 'condition not met';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const diag = opts.diagnostics ? `\n${opts.diagnostics()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})${diag}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
