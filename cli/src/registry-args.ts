// Shared by the CLI commands that talk to the registry or a data database: where it is, and
// how database failures map to exit codes by the registry's one policy (1 when a retry may
// help, 2 when the request itself is wrong).
import { classifyDbError, isPostgresUrl, RegistryError } from '@persona-operator/registry';
import { EXIT_BAD_INPUT, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { CliError } from './errors.ts';

export const REGISTRY_URL_ENV = 'PERSONA_REGISTRY_URL';

export function registryUrl(flag: string | undefined): string {
  const url = flag ?? process.env[REGISTRY_URL_ENV];
  if (!url) throw new CliError(`--registry URL is required (or set ${REGISTRY_URL_ENV})`, EXIT_BAD_INPUT);
  return requirePostgresUrl(url, '--registry');
}

/** `url` when it is a postgres:// or postgresql:// URL, else a bad-input error naming `what`. */
export function requirePostgresUrl(url: string, what: string): string {
  if (!isPostgresUrl(url)) {
    throw new CliError(`${what} must be a postgres:// or postgresql:// URL`, EXIT_BAD_INPUT);
  }
  return url;
}

/** "ns/name" -> {namespace, name}. */
export function parseModelRef(
  value: string | undefined,
  flag = '--model',
): { namespace: string; name: string } {
  if (!value) throw new CliError(`${flag} ns/name is required`, EXIT_BAD_INPUT);
  const parts = value.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new CliError(`${flag} must be <namespace>/<name>, got ${JSON.stringify(value)}`, EXIT_BAD_INPUT);
  }
  return { namespace: parts[0], name: parts[1] };
}

/** Never echoes the URL: it may carry a password. */
export function describeDbError(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const message =
    e.message || (err instanceof AggregateError ? err.errors.map(String).join('; ') : String(err));
  return e.code && !message.includes(e.code) ? `${message} (${e.code})` : message;
}

/**
 * The CliError for a database failure, prefixed by what went wrong in the caller's words;
 * undefined when `err` is not a database failure.
 */
export function databaseCliError(
  err: unknown,
  prefix: { transient: string; permanent: string },
): CliError | undefined {
  const failure = classifyDbError(err);
  if (failure === undefined) return undefined;
  const code = failure === 'transient' ? EXIT_TRANSIENT : EXIT_BAD_INPUT;
  return new CliError(`${prefix[failure]}: ${describeDbError(err)}`, code);
}

export async function withRegistryErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof RegistryError) throw new CliError(err.message, EXIT_BAD_INPUT);
    throw (
      databaseCliError(err, { transient: 'registry unreachable, try again', permanent: 'registry error' }) ??
      err
    );
  }
}
