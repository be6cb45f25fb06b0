// Exit codes shared by every `persona` command and by the Jobs that run them:
// a training or drift Job's podFailurePolicy fails the Job at once on EXIT_BAD_INPUT.
export const EXIT_OK = 0;
/** Transient failure (database unreachable, ...): the Job may retry. */
export const EXIT_TRANSIENT = 1;
/** Bad configuration or bad data: retrying cannot help. */
export const EXIT_BAD_INPUT = 2;

/** An error whose message is meant for the person at the terminal, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD_INPUT,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
