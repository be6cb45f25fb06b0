// Shared by the CLI commands that talk to the registry or a data database: where it is, and
// how database failures map to exit codes by the registry's one policy (1 when a retry may
// help, 2 when the request itself is wrong).
import { classifyDbError, RegistryError } from '@persona-operator/registry';
import { EXIT_BAD_INPUT, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import { CliError } from './errors.ts';
import { postgresUrlFlag, required } from './flags.ts';

/** --registry, else PERSONA_REGISTRY_URL: the registry's Postgres URL. */
export function registryUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return required(
    postgresUrlFlag('--registry', flag, { name: REGISTRY_URL_ENV, env }),
    `--registry URL (or ${REGISTRY_URL_ENV})`,
  );
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
