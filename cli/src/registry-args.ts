// Shared by the CLI commands that talk to the registry: where it is, and how its failures map
// to exit codes (1 when a retry may help, 2 when the request itself is wrong).
import { isTransientDbError, RegistryError } from '@persona-operator/registry';
import { EXIT_BAD_INPUT, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { CliError } from './errors.ts';

export const REGISTRY_URL_ENV = 'PERSONA_REGISTRY_URL';

export function registryUrl(flag: string | undefined): string {
  const url = flag ?? process.env[REGISTRY_URL_ENV];
  if (!url) throw new CliError(`--registry URL is required (or set ${REGISTRY_URL_ENV})`, EXIT_BAD_INPUT);
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new CliError('--registry must be a postgres:// or postgresql:// URL', EXIT_BAD_INPUT);
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

export async function withRegistryErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (isTransientDbError(err)) {
      throw new CliError(`registry unreachable, try again: ${describeDbError(err)}`, EXIT_TRANSIENT);
    }
    if (err instanceof RegistryError) throw new CliError(err.message, EXIT_BAD_INPUT);
    const code = (err as { code?: unknown }).code;
    // Other SQLSTATEs (permissions, missing schema) are configuration problems.
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      throw new CliError(`registry error: ${describeDbError(err)}`, EXIT_BAD_INPUT);
    }
    throw err;
  }
}
