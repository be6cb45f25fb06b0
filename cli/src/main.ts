// The `persona` command: dispatches to one module per subcommand, loaded on demand so
// `persona serve` does not pay for the trainer's imports and the reverse.
import { EXIT_BAD_INPUT, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { CliError } from './errors.ts';

export interface Command {
  /** One line shown in `persona --help`. */
  summary: string;
  /** Full usage text shown by `persona <command> --help`. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run: (argv: string[]) => Promise<number>;
}

/** Every subcommand, in help order; each lives in `commands/<name>.ts` and exports `command`. */
const COMMAND_NAMES = [
  'train',
  'predict',
  'data',
  'versions',
  'migrate',
  'serve',
  'drift',
  'operator',
] as const;

async function loadCommand(name: string): Promise<Command | undefined> {
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) return undefined;
  try {
    const mod = (await import(`./commands/${name}.ts`)) as { command: Command };
    return mod.command;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String(err).includes(`/${name}.ts`)
    ) {
      return undefined;
    }
    throw err;
  }
}

async function globalHelp(): Promise<string> {
  const lines = ['Usage: persona <command> [options]', '', 'Commands:'];
  for (const name of COMMAND_NAMES) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  lines.push('', 'Run `persona <command> --help` for the options of one command.');
  lines.push('Exit codes: 0 success, 1 transient failure (retry), 2 bad configuration or bad data.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${await globalHelp()}\n`);
    return name ? 0 : EXIT_BAD_INPUT;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    process.stderr.write(`persona: unknown command "${name}"; run \`persona --help\` for the list\n`);
    return EXIT_BAD_INPUT;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`persona ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    // Node's parseArgs errors are the user's input, not a crash.
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`persona ${name}: ${(err as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(
      `persona ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_TRANSIENT;
  }
}
