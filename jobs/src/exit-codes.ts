// The exit-code policy of the training and drift Jobs, which every `persona` command follows
// too: exit 1 (transient) lets a Job's backoff retry; exit 2 fails the Job at once through its
// podFailurePolicy, because the same spec and data would fail the same way again.
import { ArtifactValidationError } from '@persona-operator/core/artifact/validate';
import { ArtifactStoreError } from '@persona-operator/registry/artifacts/store';
import { InputError } from '@persona-operator/core/data/input-error';
import { classifyDbError, RegistryError } from '@persona-operator/registry/errors';

export const EXIT_OK = 0;
/** Transient failure (database unreachable, ...): the Job may retry. */
export const EXIT_TRANSIENT = 1;
/** Bad configuration or bad data: retrying cannot help. */
export const EXIT_BAD_INPUT = 2;

export interface ClassifiedError {
  exitCode: typeof EXIT_TRANSIENT | typeof EXIT_BAD_INPUT;
  kind: 'transient' | 'bad-input';
  message: string;
}

function gcsStatus(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export function classifyError(err: unknown): ClassifiedError {
  const message = err instanceof Error ? err.message : String(err);
  const bad = (): ClassifiedError => ({ exitCode: EXIT_BAD_INPUT, kind: 'bad-input', message });
  const transient = (): ClassifiedError => ({ exitCode: EXIT_TRANSIENT, kind: 'transient', message });
  if (err instanceof InputError || err instanceof ArtifactValidationError) return bad();
  const db = classifyDbError(err);
  if (db !== undefined) return db === 'permanent' ? bad() : transient();
  if (err instanceof ArtifactStoreError) {
    // A missing bucket or a denied write is configuration; 5xx and network errors pass.
    const status = gcsStatus(err);
    return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429
      ? bad()
      : transient();
  }
  if (err instanceof RegistryError) return bad();
  const status = gcsStatus(err);
  if (status !== undefined && [400, 401, 403, 404].includes(status)) return bad();
  // Unknown failures are retried: a Job's backoffLimit bounds the cost of being wrong.
  return transient();
}
