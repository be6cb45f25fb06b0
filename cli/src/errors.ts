// The error a `persona` command throws for the person at the terminal; its exit code follows
// the Jobs' policy (jobs/src/exit-codes.ts).
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';

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
