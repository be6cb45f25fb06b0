// `persona data generate`: writes the synthetic seed scenario (monthly survey CSVs and the
// pre-defined personas) for demos, tests and benchmarks.
import { parseArgs } from 'node:util';
import { generateSeedScenario } from '@persona-operator/core/synth/seed-scenario';
import { writeSeedScenario } from '@persona-operator/core/synth/write';
import { CliError, EXIT_BAD_INPUT } from '../errors.ts';
import type { Command } from '../main.ts';

const usage = `Usage: persona data generate --scenario seed --out DIR [--rows N] [--seed N]

Writes january.csv .. april.csv (one survey batch a month; March drifted, February not) and
personas.yaml (the six pre-defined personas) into DIR.

Options:
  --scenario seed   the scenario to generate (only "seed" exists)
  --out DIR         output folder, created if missing
  --rows N          rows per month (default 500)
  --seed N          random seed (default 42)`;

function intFlag(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`, EXIT_BAD_INPUT);
  return n;
}

export const command: Command = {
  summary: 'generate the synthetic seed scenario (monthly survey CSVs and personas.yaml)',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        out: { type: 'string' },
        rows: { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
    const [action, ...extra] = positionals;
    if (action !== 'generate' || extra.length > 0) {
      throw new CliError(
        `expected "persona data generate ...", got ${JSON.stringify(positionals.join(' '))}`,
        EXIT_BAD_INPUT,
      );
    }
    if (values.scenario !== 'seed') {
      throw new CliError(
        `--scenario must be "seed"${values.scenario ? `, got ${JSON.stringify(values.scenario)}` : ''}`,
        EXIT_BAD_INPUT,
      );
    }
    if (!values.out) throw new CliError('--out DIR is required', EXIT_BAD_INPUT);
    const scenario = generateSeedScenario({
      rowsPerMonth: intFlag(values.rows, '--rows', 500, 1),
      seed: intFlag(values.seed, '--seed', 42, 0),
    });
    const files = await writeSeedScenario(values.out, scenario);
    for (const f of files) process.stdout.write(`wrote ${f}\n`);
    return 0;
  },
};
