// Registry errors, and the one place that decides whether a database failure is worth retrying
// (a training Job exits 1 for those and 2 for everything that a retry cannot fix).

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
