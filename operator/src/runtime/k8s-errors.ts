// Status codes of failed Kubernetes API calls, whichever way client-node reports them.

export function apiStatusCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => apiStatusCode(err) === 404;
export const isConflict = (err: unknown): boolean => apiStatusCode(err) === 409;
export const isGone = (err: unknown): boolean => apiStatusCode(err) === 410;

/** A short description of an API error without its (possibly large) response body. */
export function describeApiError(err: unknown): string {
  const code = apiStatusCode(err);
  const body = (err as { body?: unknown })?.body;
  let message = err instanceof Error ? err.message : String(err);
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // not JSON: keep the error's own message
    }
  } else if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    message = (body as { message: string }).message;
  }
  return code !== undefined ? `HTTP ${code}: ${message}` : message;
}
