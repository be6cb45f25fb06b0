// `persona drift`: compares current data with reference data column by column (Evidently's
// tests) and says whether the dataset drifted. Local mode reads two CSV files; Job mode
// (operator/src/driftcheck) compares the production version's reference sample with the
// monitor's current data and stores the report in the registry.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InputError } from '@persona-operator/core/data/input-error';
import { tableFromCsvText, type ColumnRequest, type Table } from '@persona-operator/core/data/table';
import {
  computeDrift,
  DriftInputError,
  summariseReport,
  TEST_NAMES,
  type DriftOptions,
  type DriftReport,
  type FeatureTestOverride,
  type TestChoice,
} from '@persona-operator/core/drift/index';
import { renderDriftReportHtml } from '@persona-operator/core/drift/report-html';
import { isJobMode, JOB_OPTIONS, JOB_USAGE, runDriftJobMode } from '../drift-job.ts';
import type { Command } from '../main.ts';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { CliError } from '../errors.ts';
import { numberFlag } from '../flags.ts';

const usage = `Usage: persona drift --reference ref.csv --current cur.csv [options]
       persona drift --registry URL --model NS/NAME --monitor NS/NAME (--query SQL | --window 24h | --spec FILE)

Tests every reference column against the same column of the current data and reports
whether the dataset drifted (Evidently's default tests and thresholds).

Options:
  --reference FILE          reference data (CSV with a header row)
  --current FILE            current data (CSV with a header row)
  --features a,b            columns to compare (default: every reference column);
                            types are inferred from the reference (numeric when every cell is a number)
  --json                    print {driftDetected, driftShare, columns: [...]} as JSON
  --html FILE               write the HTML report to FILE
  --title TEXT              heading of the HTML report
  --numeric-test T          auto | ${TEST_NAMES.join(' | ')}
  --categorical-test T      auto | chisquare | z | jensenshannon | psi
  --threshold X             threshold for every column (p-value or distance, per test)
  --feature-test NAME=T[:X] test T (and threshold X) for one column; repeatable
  --drift-share X           the dataset drifts when this share of columns drifts (default 0.5)

${JOB_USAGE.trim()}

Exit codes: 0 the check ran (drift or not), 1 transient failure, 2 bad options or bad data.`;

function parseFeatureTests(specs: string[]): Record<string, FeatureTestOverride> {
  const out: Record<string, FeatureTestOverride> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=([a-z]+)?(?::(.+))?$/.exec(spec);
    if (!m || (!m[2] && m[3] === undefined)) {
      throw new CliError(`--feature-test: expected NAME=TEST[:THRESHOLD] or NAME=:THRESHOLD, got "${spec}"`);
    }
    const o: FeatureTestOverride = {};
    if (m[2]) o.test = m[2] as TestChoice;
    if (m[3] !== undefined) o.threshold = numberFlag(`--feature-test ${m[1]}`, m[3]);
    out[m[1]] = o;
  }
  return out;
}

async function readCsvTable(path: string, label: string, request?: readonly ColumnRequest[]): Promise<Table> {
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
    return tableFromCsvText(text, request);
  } catch (err) {
    if (err instanceof InputError) throw new CliError(`${label} data ${path}: ${err.message}`);
    throw err;
  }
}

function fmt(x: number | null): string {
  if (x === null) return '-';
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

function printReadable(report: DriftReport): void {
  const verdict = report.driftDetected ? 'DRIFT DETECTED' : 'no drift';
  const lines = [
    `${verdict}: ${report.driftedColumns} of ${report.columns.length} columns drifted ` +
      `(share ${fmt(report.driftShare)}, dataset drifts at >= ${fmt(report.shareThreshold)}); ` +
      `reference ${report.referenceRows} rows, current ${report.currentRows} rows`,
  ];
  const rows = [
    ['column', 'type', 'test', 'statistic', 'p-value', 'threshold', 'drifted'],
    ...report.columns.map((c) => [
      c.name,
      c.type,
      c.test,
      fmt(c.statistic),
      fmt(c.pValue),
      fmt(c.threshold),
      c.drifted ? 'yes' : 'no',
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) lines.push(`  ${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd());
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reference: { type: 'string' },
      current: { type: 'string' },
      features: { type: 'string' },
      json: { type: 'boolean', default: false },
      html: { type: 'string' },
      title: { type: 'string' },
      'numeric-test': { type: 'string' },
      'categorical-test': { type: 'string' },
      threshold: { type: 'string' },
      'feature-test': { type: 'string', multiple: true },
      'drift-share': { type: 'string' },
      ...JOB_OPTIONS,
    },
  });
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"; see --help`);
  const options: DriftOptions = {
    numeric: values['numeric-test'] as TestChoice | undefined,
    categorical: values['categorical-test'] as TestChoice | undefined,
    threshold: numberFlag('--threshold', values.threshold),
    driftShare: numberFlag('--drift-share', values['drift-share']),
    perFeature: parseFeatureTests(values['feature-test'] ?? []),
  };
  if (isJobMode(values)) {
    const local = (['reference', 'current', 'features', 'json', 'html', 'title'] as const).filter(
      (k) => values[k] !== undefined && values[k] !== false,
    );
    if (local.length > 0) {
      throw new CliError(`--${local[0]} is for local mode; Job mode reads the reference from the registry`);
    }
    const testFlags = [
      'numeric-test',
      'categorical-test',
      'threshold',
      'drift-share',
      'feature-test',
    ] as const;
    const anyTestFlag = testFlags.some((k) => values[k] !== undefined);
    return runDriftJobMode(values, anyTestFlag ? options : undefined);
  }
  if (!values.reference) throw new CliError('--reference FILE is required (the reference data as CSV)');
  if (!values.current) throw new CliError('--current FILE is required (the current data as CSV)');
  let request: ColumnRequest[] | undefined;
  if (values.features !== undefined) {
    request = values.features.split(',').map((name) => ({ name: name.trim() }));
    if (request.some((r) => r.name === ''))
      throw new CliError(`--features: empty column name in "${values.features}"`);
  }
  const reference = await readCsvTable(values.reference, 'reference', request);
  // The reference decides each column's type, so a stray word in a numeric current column is
  // reported as such instead of silently turning the column categorical.
  const current = await readCsvTable(
    values.current,
    'current',
    reference.columns.map((c) => ({ name: c.name, type: c.type })),
  );
  let report: DriftReport;
  try {
    report = computeDrift(reference, current, options);
  } catch (err) {
    if (err instanceof DriftInputError) throw new CliError(err.message);
    throw err;
  }
  if (values.html) {
    const html = renderDriftReportHtml(report, {
      title: values.title ?? 'Drift report',
      subtitle: `reference ${values.reference}, current ${values.current}`,
    });
    try {
      await writeFile(values.html, html);
    } catch (err) {
      throw new CliError(`--html ${values.html}: ${(err as Error).message}`);
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(summariseReport(report))}\n`);
  else {
    printReadable(report);
    if (values.html) process.stdout.write(`report written to ${values.html}\n`);
  }
  return EXIT_OK;
}

export const command: Command = {
  summary:
    'compare current data with reference data and report drift (two CSVs, or a Job against the registry)',
  usage,
  run,
};
