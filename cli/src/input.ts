// Shared by the local data commands (train, predict): reading files and turning the core's
// input errors into one-line CLI errors with exit code 2.
import { open, readFile } from 'node:fs/promises';
import { InputError } from '@persona-operator/core/data/input-error';
import { ArtifactValidationError } from '@persona-operator/core/artifact/validate';
import { RowError } from '@persona-operator/core/scoring/scorer';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { CliError } from './errors.ts';

function unreadable(err: unknown, what: string, path: string): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : String(err);
  return new CliError(`cannot read ${what} ${path}: ${reason}`, EXIT_BAD_INPUT);
}

/** Reads a text file; a missing or unreadable file is the user's input error. */
export async function readInputFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw unreadable(err, what, path);
  }
}

/** Checks that a file can be opened for reading (before streaming it), with readInputFile's errors. */
export async function checkInputFile(path: string, what: string): Promise<void> {
  try {
    const handle = await open(path, 'r');
    const isFile = (await handle.stat()).isFile();
    await handle.close();
    if (!isFile) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (err) {
    throw unreadable(err, what, path);
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
