// `persona train` (local mode): CSV in, model artifact out, with progress on stderr and the
// per-k metrics as a table (or, with --json, one JSON summary on stdout and nothing else there).
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { FeatureSpec, ModelArtifact } from '@persona-operator/core/artifact/types';
import { parseArtifactJson } from '@persona-operator/core/artifact/validate';
import { parseCsv } from '@persona-operator/core/data/csv';
import { openPostgresBatches, readPostgresTable } from '@persona-operator/registry/data/postgres-source';
import {
  tableFeatures,
  tableFromCsv,
  type ColumnRequest,
  type Table,
} from '@persona-operator/core/data/table';
import { parsePersonasYaml, type PersonasFile } from '@persona-operator/core/personas/personas-file';
import { type TrainSpec } from '@persona-operator/core/train/spec';
import { trainModel } from '@persona-operator/core/train/train';
import {
  trainFromSource,
  type StreamTrainProgress,
  type StreamTrainSpec,
} from '@persona-operator/core/train/stream-train';
import { ALGORITHMS, AUTO_MINIBATCH_ROWS, DEFAULT_BATCH_SIZE } from '@persona-operator/core/train/algorithm';
import { csvBatchSource } from '@persona-operator/core/data/csv-batches';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import { DATA_URL_ENV } from '@persona-operator/jobs/job-env';
import { CliError } from '../errors.ts';
import { checkInputFile, readInputFile, withInputErrors } from '../input.ts';
import type { Command } from '../main.ts';
import { choiceFlag, intFlag, intRangeFlag, postgresUrlFlag } from '../flags.ts';
import { databaseCliError } from '../registry-args.ts';
import { formatKTable, progressPrinter, trainSummary } from '../train-print.ts';
import { isJobMode, JOB_OPTIONS, JOB_USAGE, runJobMode, type TrainFlags } from '../train-job.ts';
import { DEFAULT_ROW_LIMIT } from '@persona-operator/jobs/training-spec';

const usage = `Usage: persona train (--data FILE.csv | --postgres URL --query SQL) --out model.json [options]

Trains a persona model from a CSV file (header line, one customer per row) or a SQL query.

Options:
  --data FILE            training data (CSV)
  --postgres URL         read the training data from this database (or env ${DATA_URL_ENV}) ...
  --query SQL            ... with this SELECT (run in a read-only transaction)
  --row-limit N          refuse a query result larger than N rows (default ${DEFAULT_ROW_LIMIT})
  --out FILE             where to write the model artifact (JSON); optional with --json
  --features LIST        comma-separated columns, each optionally typed: age,income,channel:categorical
                         (default: the personas file's features, else every column, types inferred)
  --k RANGE              2..10 (choose k by silhouette) or a single k such as 6 (default 2..10)
  --n-init N             k-means restarts per k, the best (lowest inertia) kept (default 10)
  --seed N               random seed; the same seed and data give the same model (default 0)
  --mode fit|fixed       fit: k-means; fixed: the personas file's centroids are the model (default fit)
  --personas FILE        pre-defined personas (YAML); in fit mode their names go to the nearest clusters
  --previous FILE        previous model artifact: its persona names are kept for matching clusters
  --silhouette-sample N  silhouette exact up to N rows, on a seeded N-row sample above (default 10000)
  --reference-sample N   rows kept in the artifact for drift checks (default 5000)
  --workers N            worker threads for the restarts (default: automatic)
  --algorithm A          lloyd (rows in memory), minibatch (streamed mini-batch k-means, for data
                         larger than memory) or auto: minibatch above ${AUTO_MINIBATCH_ROWS} rows (default auto)
  --batch-size N         rows per mini-batch (default ${DEFAULT_BATCH_SIZE})
  --json                 print one JSON summary on stdout (progress still goes to stderr)
  --quiet                no progress output
${JOB_USAGE}`;

export function parseFeatureList(value: string): ColumnRequest[] {
  const out: ColumnRequest[] = [];
  for (const part of value.split(',')) {
    const [name, type, extra] = part.split(':').map((s) => s.trim());
    if (!name || extra !== undefined)
      throw new CliError(`--features: bad entry ${JSON.stringify(part)}`, EXIT_BAD_INPUT);
    if (type !== undefined && type !== 'numeric' && type !== 'categorical') {
      throw new CliError(
        `--features: type of "${name}" must be numeric or categorical, got "${type}"`,
        EXIT_BAD_INPUT,
      );
    }
    out.push(type ? { name, type } : { name });
  }
  return out;
}

/** Reads the query result; an unreachable database is transient (exit 1), a bad result is not. */
async function readQuery(
  url: string,
  query: string,
  request: ColumnRequest[] | undefined,
  rowLimit: number,
): Promise<Table> {
  try {
    return await withInputErrors('query', () =>
      readPostgresTable({ db: url, query, columns: request, rowLimit }),
    );
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw (
      databaseCliError(err, { transient: 'database unreachable, try again', permanent: 'query failed' }) ??
      err
    );
  }
}

/** auto or minibatch: the CSV file or the query read as a stream (trainFromSource chooses for auto). */
async function trainStreamed(
  file: string | undefined,
  url: string | undefined,
  query: string | undefined,
  request: ColumnRequest[] | undefined,
  spec: StreamTrainSpec,
  onProgress: (e: StreamTrainProgress) => void,
): Promise<ModelArtifact> {
  if (file) {
    await checkInputFile(file, 'training data');
    const source = csvBatchSource({ open: () => createReadStream(file), columns: request });
    return withInputErrors(file, async () => (await trainFromSource(source, spec, { onProgress })).artifact);
  }
  try {
    const source = await openPostgresBatches({ db: url!, query: query!, columns: request });
    try {
      return await withInputErrors(
        'query',
        async () => (await trainFromSource(source, spec, { onProgress })).artifact,
      );
    } finally {
      await source.close();
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw (
      databaseCliError(err, { transient: 'database unreachable, try again', permanent: 'query failed' }) ??
      err
    );
  }
}

export const command: Command = {
  summary:
    'train a persona model from a CSV file or a query (k-means or fixed personas); in a Job, into the registry',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        postgres: { type: 'string' },
        query: { type: 'string' },
        'row-limit': { type: 'string' },
        out: { type: 'string' },
        features: { type: 'string' },
        k: { type: 'string' },
        'n-init': { type: 'string' },
        seed: { type: 'string' },
        mode: { type: 'string' },
        personas: { type: 'string' },
        previous: { type: 'string' },
        'silhouette-sample': { type: 'string' },
        'reference-sample': { type: 'string' },
        workers: { type: 'string' },
        algorithm: { type: 'string' },
        'batch-size': { type: 'string' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        ...JOB_OPTIONS,
      },
      strict: true,
      allowPositionals: false,
    });
    const mode = choiceFlag('--mode', values.mode, ['fit', 'fixed']) ?? 'fit';
    const parsed: TrainFlags = {
      mode,
      k: intRangeFlag('--k', values.k, { min: 1 }) ?? { min: 2, max: 10 },
      nInit: intFlag('--n-init', values['n-init'], { min: 1 }) ?? 10,
      seed: intFlag('--seed', values.seed, { min: 0 }) ?? 0,
      rowLimit: intFlag('--row-limit', values['row-limit'], { min: 1 }) ?? DEFAULT_ROW_LIMIT,
      silhouetteSampleSize: intFlag('--silhouette-sample', values['silhouette-sample'], { min: 2 }),
      referenceSampleSize: intFlag('--reference-sample', values['reference-sample'], { min: 0 }),
      workers: intFlag('--workers', values.workers, { min: 1 }),
      algorithm: choiceFlag('--algorithm', values.algorithm, ALGORITHMS) ?? 'auto',
      batchSize: intFlag('--batch-size', values['batch-size'], { min: 1 }) ?? DEFAULT_BATCH_SIZE,
    };
    if (isJobMode(values)) return runJobMode(values, parsed, parseFeatureList);
    const pgUrl = postgresUrlFlag(
      '--postgres',
      values.postgres,
      values.query ? { name: DATA_URL_ENV } : undefined,
    );
    if (values.data && (pgUrl || values.query))
      throw new CliError('give either --data or --postgres/--query, not both', EXIT_BAD_INPUT);
    if (!values.data && !values.query)
      throw new CliError('--data FILE.csv (or --postgres URL --query SQL) is required', EXIT_BAD_INPUT);
    if (values.query && !pgUrl)
      throw new CliError(`--query needs --postgres URL (or env ${DATA_URL_ENV})`, EXIT_BAD_INPUT);
    if (pgUrl && !values.query) throw new CliError('--postgres needs --query SQL', EXIT_BAD_INPUT);
    if (!values.out && !values.json)
      throw new CliError('--out model.json is required (or --json for a summary only)', EXIT_BAD_INPUT);

    let personasFile: PersonasFile | undefined;
    if (values.personas) {
      const path = values.personas;
      const text = await readInputFile(path, 'personas file');
      personasFile = await withInputErrors(path, () => parsePersonasYaml(text));
    }
    if (mode === 'fixed' && !personasFile)
      throw new CliError('--mode fixed needs --personas FILE', EXIT_BAD_INPUT);
    let previous: ModelArtifact | undefined;
    if (values.previous) {
      const path = values.previous;
      const text = await readInputFile(path, 'previous model');
      previous = await withInputErrors(path, () => parseArtifactJson(text));
    }

    const request: ColumnRequest[] | undefined = values.features
      ? parseFeatureList(values.features)
      : personasFile?.features;
    const spec: Omit<TrainSpec, 'features'> = {
      mode,
      k: parsed.k,
      nInit: parsed.nInit,
      seed: parsed.seed,
      personas: personasFile?.personas,
      previous,
      silhouetteSampleSize: parsed.silhouetteSampleSize,
      referenceSampleSize: parsed.referenceSampleSize,
      workers: parsed.workers,
    };
    const onProgress = progressPrinter(values.quiet);
    const dataPath = values.data ?? 'query';
    let artifact: ModelArtifact;
    if (parsed.algorithm === 'lloyd') {
      let table: Table;
      if (values.data) {
        const csvText = await readInputFile(values.data, 'training data');
        table = await withInputErrors(dataPath, () => tableFromCsv(parseCsv(csvText), request));
      } else {
        table = await readQuery(pgUrl!, values.query!, request, parsed.rowLimit);
      }
      const features: FeatureSpec[] = tableFeatures(table);
      artifact = await withInputErrors(dataPath, () =>
        trainModel(table, { ...spec, features }, { onProgress }),
      );
    } else {
      const streamSpec: StreamTrainSpec = {
        ...spec,
        algorithm: parsed.algorithm,
        batchSize: parsed.batchSize,
        rowLimit: parsed.rowLimit,
      };
      artifact = await trainStreamed(values.data, pgUrl, values.query, request, streamSpec, onProgress);
    }
    if (values.out) await writeFile(values.out, `${JSON.stringify(artifact, null, 2)}\n`);

    if (values.json) {
      process.stdout.write(`${JSON.stringify(trainSummary(artifact, values.out))}\n`);
      return 0;
    }
    const out = process.stdout;
    out.write(`${formatKTable(artifact.metrics.perK, artifact.metrics.k)}\n`);
    out.write(
      `k=${artifact.metrics.k} (${mode === 'fixed' ? 'pre-defined personas' : 'best mean silhouette'}), ${artifact.training.rows} rows\n`,
    );
    for (const p of artifact.personas)
      out.write(`  ${p.id}  ${p.name}${p.generated ? '  (generated name: review)' : ''}\n`);
    if (values.out) out.write(`wrote ${values.out}\n`);
    return 0;
  },
};
