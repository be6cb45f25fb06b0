// Shared by the local data commands (train, predict): reading files and turning the core's
// input errors into one-line CLI errors with exit code 2.
import { readFile } from 'node:fs/promises';
import { InputError } from '@persona-operator/core/data/input-error';
import { ArtifactValidationError } from '@persona-operator/core/artifact/validate';
import { RowError } from '@persona-operator/core/scoring/scorer';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { CliError } from './errors.ts';

/** Reads a text file; a missing or unreadable file is the user's input error. */
export async function readInputFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(err);
    throw new CliError(`cannot read ${what} ${path}: ${reason}`, EXIT_BAD_INPUT);
  }
}

/** Runs fn, turning bad-data errors from core into CliErrors (exit 2) prefixed with the file name. */
export async function withInputErrors<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InputError || err instanceof ArtifactValidationError || err instanceof RowError) {
      throw new CliError(`${file}: ${err.message}`, EXIT_BAD_INPUT);
    }
    throw err;
  }
}
