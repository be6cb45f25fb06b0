// What the Job modes of `persona train` and `persona drift` share: the --spec file, the run id
// (the idempotency key) and the log fields of a bad-input failure.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { load } from 'js-yaml';
import { SpecFieldError, type SpecErrorClass } from '@persona-operator/jobs/spec-fields';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { RUN_ID_ENV } from '@persona-operator/jobs/job-env';
import { CliError } from './errors.ts';

/**
 * --spec FILE (JSON or YAML) as a document. A file that cannot be read is the user's error at
 * the terminal; one that does not parse is an error of the spec itself, named by `SpecError`.
 */
export async function readSpecFile(path: string, SpecError: SpecErrorClass): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --spec ${path}: ${(err as Error).message}`, EXIT_BAD_INPUT);
  }
  try {
    return load(text);
  } catch (err) {
    throw new SpecError(
      '(spec)',
      `${path} is not valid JSON or YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/** --run-id, else PERSONA_RUN_ID, else the spec's runId, else a new random id. */
export function jobRunId(flag: string | undefined, env: NodeJS.ProcessEnv, specRunId?: string): string {
  return flag ?? env[RUN_ID_ENV] ?? specRunId ?? randomUUID();
}

/** The `field` a spec error names, as log fields (none for other errors). */
export function specErrorField(err: Error): { field?: string } {
  return err instanceof SpecFieldError ? { field: err.field } : {};
}
