// `persona data generate`: writes the synthetic seed scenario (monthly survey CSVs and the
// pre-defined personas) for demos, tests and benchmarks. `persona data load`: bulk-loads a CSV
// file into a Postgres table, so the demo can train from a query.
import { parseArgs } from 'node:util';
import { DataLoadError, loadCsv, loadRows } from '@persona-operator/registry/data/load';
import { tableRow } from '@persona-operator/core/data/table';
import {
  generateSeedScenario,
  SEED_MONTHS,
  type SeedScenario,
} from '@persona-operator/core/synth/seed-scenario';
import { writeSeedScenario } from '@persona-operator/core/synth/write';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { DATA_URL_ENV } from '@persona-operator/jobs/job-env';
import { CliError } from '../errors.ts';
import type { Command } from '../main.ts';
import { intFlag, postgresUrlFlag, required } from '../flags.ts';
import { databaseCliError } from '../registry-args.ts';

const usage = `Usage: persona data generate --scenario seed (--out DIR | --postgres URL [--table NAME]) [--rows N] [--seed N]
       persona data load --postgres URL --table NAME --csv FILE.csv [--replace]

Writes january.csv .. april.csv (one survey batch a month; March drifted, February not) and
personas.yaml (the six pre-defined personas) into DIR.

Options:
  --scenario seed   the scenario to generate (only "seed" exists)
  --out DIR         output folder, created if missing
  --rows N          rows per month (default 500)
  --seed N          random seed (default 42)
  --postgres URL    also (or instead) write all months into one table, replacing its rows
                    (without --out, env ${DATA_URL_ENV} is used when the flag is absent):
                    the features plus a "month" column ('2025-01' .. '2025-04')
  --table NAME      that table (default survey)

Options of load (the table is created from the CSV header when missing):
  --postgres URL    target database (or env ${DATA_URL_ENV})
  --table NAME      table name, optionally schema-qualified
  --csv FILE        CSV file to load (--file is the same)
  --replace         empty the table first, in the same transaction`;

async function load(values: {
  postgres?: string;
  table?: string;
  file?: string;
  replace?: boolean;
}): Promise<number> {
  const url = required(
    postgresUrlFlag('--postgres', values.postgres, { name: DATA_URL_ENV }),
    `--postgres URL (or ${DATA_URL_ENV})`,
  );
  const table = required(values.table, '--table NAME');
  const file = required(values.file, '--file FILE.csv');
  try {
    const r = await loadCsv({ db: url, table, csvPath: file, replace: values.replace });
    process.stdout.write(`loaded ${r.rows} rows into ${table}${r.created ? ' (created)' : ''}\n`);
    return 0;
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (err instanceof DataLoadError) throw new CliError(`${file}: ${message}`, EXIT_BAD_INPUT);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`cannot read ${file}: no such file`, EXIT_BAD_INPUT);
    throw databaseCliError(err, LOAD_FAILED) ?? err;
  }
}

const LOAD_FAILED = { transient: 'database unreachable, try again', permanent: 'load failed' };

/** Month of the seed scenario as the value of the table's `month` column. */
export const seedMonthValue = (i: number): string => `2025-${String(i + 1).padStart(2, '0')}`;

async function generateIntoPostgres(url: string, table: string, scenario: SeedScenario): Promise<void> {
  const columns = [
    ...scenario.features.map((f) => ({
      name: f.name,
      type: f.type === 'numeric' ? ('double precision' as const) : ('text' as const),
    })),
    { name: 'month', type: 'text' as const },
  ];
  function* rows(): Generator<(string | number)[]> {
    for (const batch of scenario.months) {
      const month = seedMonthValue(SEED_MONTHS.indexOf(batch.month));
      for (let i = 0; i < batch.table.rowCount; i++) yield [...tableRow(batch.table, i), month];
    }
  }
  try {
    const r = await loadRows({ db: url, table, columns, rows: rows(), replace: true });
    process.stdout.write(
      `loaded ${r.rows} rows into ${table}${r.created ? ' (created)' : ''}: months ${scenario.months.map((_, i) => seedMonthValue(i)).join(', ')}\n`,
    );
  } catch (err) {
    throw databaseCliError(err, LOAD_FAILED) ?? err;
  }
}

export const command: Command = {
  summary: 'generate the synthetic seed scenario (CSVs, personas.yaml) or load a CSV into Postgres',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        out: { type: 'string' },
        rows: { type: 'string' },
        seed: { type: 'string' },
        postgres: { type: 'string' },
        table: { type: 'string' },
        file: { type: 'string' },
        csv: { type: 'string' },
        replace: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    const [action, ...extra] = positionals;
    if ((action !== 'generate' && action !== 'load') || extra.length > 0) {
      throw new CliError(
        `expected "persona data generate ..." or "persona data load ...", got ${JSON.stringify(positionals.join(' '))}`,
        EXIT_BAD_INPUT,
      );
    }
    if (action === 'load') return load({ ...values, file: values.file ?? values.csv });
    if (values.scenario !== 'seed') {
      throw new CliError(
        `--scenario must be "seed"${values.scenario ? `, got ${JSON.stringify(values.scenario)}` : ''}`,
        EXIT_BAD_INPUT,
      );
    }
    // In a Job the URL comes from a Secret through the environment, never from the args.
    const postgres = postgresUrlFlag(
      '--postgres',
      values.postgres,
      values.out ? undefined : { name: DATA_URL_ENV },
    );
    if (!values.out && !postgres)
      throw new CliError(`--out DIR or --postgres URL (or env ${DATA_URL_ENV}) is required`, EXIT_BAD_INPUT);
    const scenario = generateSeedScenario({
      rowsPerMonth: intFlag('--rows', values.rows, { min: 1 }) ?? 500,
      seed: intFlag('--seed', values.seed, { min: 0 }) ?? 42,
    });
    if (values.out) {
      const files = await writeSeedScenario(values.out, scenario);
      for (const f of files) process.stdout.write(`wrote ${f}\n`);
    }
    if (postgres) await generateIntoPostgres(postgres, values.table ?? 'survey', scenario);
    return 0;
  },
};
