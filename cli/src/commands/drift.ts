// `persona drift`: compares current data with reference data column by column (Evidently's
// tests) and, given the model, by persona (mix, novelty, per-persona drift), and says whether
// the data drifted. Local mode reads two CSV files (and a model artifact); Job mode
// (jobs/src/driftcheck) compares the production version's reference with the monitor's
// current data and stores the report in the registry.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { parseArtifactJson } from '@persona-operator/core/artifact/validate';
import { BadCells } from '@persona-operator/core/data/bad-cells';
import { InputError } from '@persona-operator/core/data/input-error';
import {
  tableFromCsvText,
  type ColumnRequest,
  type ReadOptions,
  type Table,
} from '@persona-operator/core/data/table';
import { checkDrift } from '@persona-operator/core/drift/check';
import { DriftInputError, summariseReport, type DriftReport } from '@persona-operator/core/drift/index';
import { referenceFromTable } from '@persona-operator/core/drift/personas/reference';
import { renderDriftReportHtml } from '@persona-operator/core/drift/report-html';
import { isJobMode, JOB_OPTIONS, JOB_USAGE, runDriftJobMode } from '../drift-job.ts';
import { readableReport } from '../drift-print.ts';
import { TEST_OPTIONS, TEST_USAGE, testOptions } from '../drift-tests.ts';
import type { Command } from '../main.ts';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { CliError } from '../errors.ts';
import { readInputFile, withInputErrors } from '../input.ts';

const usage = `Usage: persona drift --reference ref.csv --current cur.csv [--model-file model.json] [options]
       persona drift --registry URL --model NS/NAME --monitor NS/NAME (--query SQL | --window 24h | --spec FILE)

Tests every reference column against the same column of the current data (Evidently's default
tests and thresholds) and, with a model, the persona tests: the persona mix, novelty (rows far
from every persona) and each persona's features. Says whether the data drifted.

Local mode:
  --reference FILE          reference data (CSV with a header row)
  --current FILE            current data (CSV with a header row); an unusable cell is counted
                            with its column and line and left out, not an error
  --model-file FILE         a model artifact (persona train --out): compare its features and run
                            the persona tests, the reference data's personas as the reference
  --features a,b            columns to compare without a model (default: every reference column);
                            types are inferred from the reference (numeric when every cell is a number)
  --json                    print {driftDetected, rule, fired, driftShare, columns, personas?, badCells?}
  --html FILE               write the HTML report to FILE
  --title TEXT              heading of the HTML report
${TEST_USAGE}
${JOB_USAGE}

Exit codes: 0 the check ran (drift or not), 1 transient failure, 2 bad options or bad data.`;

async function readCsvTable(
  path: string,
  label: string,
  request?: readonly ColumnRequest[],
  options: ReadOptions = {},
): Promise<Table> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const exit =
      code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' ? EXIT_BAD_INPUT : EXIT_TRANSIENT;
    throw new CliError(`${label} data ${path}: ${(err as Error).message}`, exit);
  }
  try {
    return tableFromCsvText(text, request, options);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(`${label} data ${path}: ${err.message}`);
    throw err;
  }
}

async function readModel(path: string): Promise<ModelArtifact> {
  return withInputErrors(path, async () => parseArtifactJson(await readInputFile(path, 'model')));
}

function featureRequest(
  features: string | undefined,
  model: ModelArtifact | undefined,
): ColumnRequest[] | undefined {
  if (model) {
    if (features !== undefined)
      throw new CliError("--features: with --model-file the model's features are compared");
    return model.features.map((f) => ({ name: f.name, type: f.type }));
  }
  if (features === undefined) return undefined;
  const request = features.split(',').map((name) => ({ name: name.trim() }));
  if (request.some((r) => r.name === ''))
    throw new CliError(`--features: empty column name in "${features}"`);
  return request;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reference: { type: 'string' },
      current: { type: 'string' },
      'model-file': { type: 'string' },
      features: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      title: { type: 'string' },
      ...TEST_OPTIONS,
      ...JOB_OPTIONS,
    },
  });
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"; see --help`);
  const options = testOptions(values);
  if (isJobMode(values)) {
    const local = (
      ['reference', 'current', 'model-file', 'features', 'json', 'html', 'title'] as const
    ).filter((k) => values[k] !== undefined && values[k] !== false);
    if (local.length > 0) {
      throw new CliError(`--${local[0]} is for local mode; Job mode reads the reference from the registry`);
    }
    return runDriftJobMode(values, options);
  }
  if (!values.reference) throw new CliError('--reference FILE is required (the reference data as CSV)');
  if (!values.current) throw new CliError('--current FILE is required (the current data as CSV)');
  const model = values['model-file'] ? await readModel(values['model-file']) : undefined;
  const reference = await readCsvTable(values.reference, 'reference', featureRequest(values.features, model));
  // The reference decides each column's type, so a stray word in a numeric current column is
  // counted as an unusable cell instead of silently turning the column categorical.
  const badCells = new BadCells();
  const current = await readCsvTable(
    values.current,
    'current',
    reference.columns.map((c) => ({ name: c.name, type: c.type })),
    { badCells },
  );
  let report: DriftReport;
  try {
    report = await checkDrift({
      reference,
      current,
      options: options ?? {},
      ...(model
        ? { model: { artifact: model, reference: referenceFromTable(model, reference, 'data') } }
        : {}),
      badCells: badCells.summary(),
    });
  } catch (err) {
    if (err instanceof DriftInputError) throw new CliError(err.message);
    throw err;
  }
  if (values.html) {
    const html = renderDriftReportHtml(report, {
      title: values.title ?? 'Drift report',
      subtitle: `reference ${values.reference}, current ${values.current}${values['model-file'] ? `, model ${values['model-file']}` : ''}`,
    });
    try {
      await writeFile(values.html, html);
    } catch (err) {
      throw new CliError(`--html ${values.html}: ${(err as Error).message}`);
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(summariseReport(report))}\n`);
  else {
    process.stdout.write(readableReport(report));
    if (values.html) process.stdout.write(`report written to ${values.html}\n`);
  }
  return EXIT_OK;
}

export const command: Command = {
  summary:
    'compare current data with reference data, by feature and by persona, and report drift (two CSVs, or a Job against the registry)',
  usage,
  run,
};
