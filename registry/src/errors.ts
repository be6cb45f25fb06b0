// Registry errors, and the one policy for database failures: whether a retry may succeed
// (a Job exits 1, the CLI too) or the request itself is wrong (exit 2).

export class RegistryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
  }
}

/** The model, version, alias or run asked for does not exist. */
export class RegistryNotFoundError extends RegistryError {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryNotFoundError';
  }
}

/** A compare-and-set precondition failed: someone else changed the alias first. */
export class RegistryConflictError extends RegistryError {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryConflictError';
  }
}

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  // In a cluster a Service name can be briefly unresolvable while it is created.
  'ENOTFOUND',
]);

// SQLSTATE classes and codes that say "the server or connection, not your request".
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement timeout)
]);

const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Connection closed/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** True when retrying later may succeed: the database is unreachable, restarting or overloaded. */
export function isTransientDbError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof AggregateError && e.errors.some((inner) => isTransientDbError(inner))) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TRANSIENT_NODE_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || code.startsWith('08'))
        return true;
    }
    const message = e instanceof Error ? e.message : '';
    if (TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
  }
  return false;
}

// Five characters; no Postgres class starts with E, which keeps Node's EPIPE and EPERM out.
const SQLSTATE_RE = /^[0-9A-DF-Z][0-9A-Z]{4}$/;

// SQLSTATE classes that blame the request, never the server, so a retry fails the same way:
// 0A feature not supported, 22 data exception, 23 integrity constraint violation,
// 28 invalid authorization (a wrong password stays wrong), 3D unknown database, 3F unknown
// schema, 42 syntax error or access rule violation (undefined table or column, no privilege).
const PERMANENT_SQLSTATE_CLASSES = new Set(['0A', '22', '23', '28', '3D', '3F', '42']);

/** The SQLSTATE the error (or one of its causes) carries, if any. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && SQLSTATE_RE.test(code)) return code;
  }
  return undefined;
}

export type DbFailure = 'transient' | 'permanent';

/**
 * How to treat a database failure: 'transient' when a retry may succeed (unreachable,
 * restarting, overloaded, and any SQLSTATE not known to blame the request: a Job's backoff
 * limit bounds the cost of retrying), 'permanent' when the request itself is wrong. Undefined
 * when `err` is not a database failure.
 */
export function classifyDbError(err: unknown): DbFailure | undefined {
  if (isTransientDbError(err)) return 'transient';
  const code = sqlState(err);
  if (code === undefined) return undefined;
  return PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2)) ? 'permanent' : 'transient';
}
