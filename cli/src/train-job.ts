// Job mode of `persona train`: `--registry URL --model ns/name --run-id UID` with the local
// training flags, or a training spec written by the operator (env PERSONA_TRAINING_SPEC as
// JSON, or --spec FILE as JSON or YAML). Logs JSON lines on stdout; returns the exit code.
import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import type { ArtifactStoreConfig } from '@persona-operator/registry/artifacts/index';
import type { GcsClientOptions } from '@persona-operator/registry/artifacts/gcs';
import { InputError } from '@persona-operator/core/data/input-error';
import { parsePersonasYaml } from '@persona-operator/core/personas/personas-file';
import {
  parseTrainingJobSpec,
  parseTrainingJobSpecJson,
  TrainingSpecError,
  type TrainingDataSource,
} from '@persona-operator/jobs/training-spec';
import { EXIT_BAD_INPUT } from '@persona-operator/jobs/exit-codes';
import {
  DATA_URL_ENV,
  GCS_ENDPOINT_ENV,
  JOB_COMPLETION_INDEX_ENV,
  REGISTRY_URL_ENV,
  RUN_ID_ENV,
  TRAINING_SPEC_ENV,
} from '@persona-operator/jobs/job-env';
import { CliError } from './errors.ts';
import { jobRunId, readSpecFile, specErrorField } from './job-mode.ts';
import { modelRefFlag, postgresUrlFlag, required } from './flags.ts';
import { registryUrl } from './registry-args.ts';
import { runTrainingJob, type TrainingJobInput } from '@persona-operator/jobs/trainer/job';
import type { Algorithm } from '@persona-operator/core/train/algorithm';

/** parseArgs options `persona train` adds for Job mode. */
export const JOB_OPTIONS = {
  registry: { type: 'string' },
  model: { type: 'string' },
  'run-id': { type: 'string' },
  spec: { type: 'string' },
  artifacts: { type: 'string' },
} as const;

export const JOB_USAGE = `
Job mode (train into the registry):
  --registry URL         registry Postgres URL (default: env ${REGISTRY_URL_ENV})
  --model NS/NAME        the model to register a version of
  --run-id UID           idempotency key, the Job's UID: a retried run registers nothing new
                         (default: env ${RUN_ID_ENV}, else a new random id)
  --spec FILE            training spec (JSON or YAML) instead of the flags; also env ${TRAINING_SPEC_ENV}
  --data FILE.csv | --query SQL [--postgres URL] [--row-limit N]   (as in local mode)
  --artifacts WHERE      postgres (default, in the registry), gs://BUCKET/PREFIX or a folder
  A spec with parallelism N > 1 fits the share of its k sweep named by env ${JOB_COMPLETION_INDEX_ENV}
  (0..N-1, set by an Indexed Job); the pod whose share completes the sweep registers the version.
  Logs JSON lines. Exit 0 done, 1 transient (retry), 2 bad spec or data (do not retry).`;

/** The flags Job mode reads itself; the numeric ones arrive already read, as `TrainFlags`. */
export type JobFlags = { [K in keyof typeof JOB_OPTIONS]?: string } & {
  data?: string;
  /** --postgres/--query are the local train command's own flags. */
  postgres?: string;
  query?: string;
  features?: string;
  personas?: string;
  quiet?: boolean;
};

export function isJobMode(values: JobFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(
    values.registry || values.model || values['run-id'] || values.spec || env[TRAINING_SPEC_ENV],
  );
}

export function parseArtifactsFlag(value: string | undefined): ArtifactStoreConfig {
  if (!value || value === 'postgres') return { postgres: {} };
  const gs = /^gs:\/\/([^/]+)\/?(.*)$/.exec(value);
  if (gs) return { gcs: { bucket: gs[1], prefix: gs[2] } };
  if (value.includes('://')) {
    throw new CliError(
      `--artifacts must be postgres, gs://BUCKET/PREFIX or a folder, got ${value}`,
      EXIT_BAD_INPUT,
    );
  }
  return { volume: { path: value } };
}

/** The train command's reads of the flags both modes share, so both accept the same values. */
export interface TrainFlags {
  mode: 'fit' | 'fixed';
  k: { min: number; max: number };
  nInit: number;
  seed: number;
  rowLimit: number;
  silhouetteSampleSize?: number;
  referenceSampleSize?: number;
  workers?: number;
  algorithm: Algorithm;
  batchSize: number;
}

/** Builds the job input from the local-training flags. */
async function inputFromFlags(
  values: JobFlags,
  parsed: TrainFlags,
  parseFeatures: FeatureParser,
): Promise<TrainingJobInput> {
  const model = modelRefFlag('--model', required(values.model, '--model NAMESPACE/NAME'));
  postgresUrlFlag('--postgres', values.postgres);
  let data: TrainingDataSource;
  if (values.data && (values.postgres || values.query)) {
    throw new CliError('give either --data or --postgres/--query, not both', EXIT_BAD_INPUT);
  }
  if (values.data) data = { volume: { path: values.data } };
  else if (values.query) {
    // The URL reaches the reader through the environment (--postgres, else PERSONA_DATA_URL),
    // as a Job's Secret does, so it is never part of the logged parameters.
    data = { postgres: { query: values.query, urlEnv: DATA_URL_ENV, rowLimit: parsed.rowLimit } };
  } else
    throw new CliError('--data FILE.csv or --query SQL (with --postgres URL) is required', EXIT_BAD_INPUT);
  let personasFile;
  if (values.personas) {
    const text = await readFile(values.personas, 'utf8').catch((err: Error) => {
      throw new CliError(`cannot read --personas ${values.personas}: ${err.message}`, EXIT_BAD_INPUT);
    });
    personasFile = parsePersonasYaml(text);
  }
  if (parsed.mode === 'fixed' && !personasFile)
    throw new CliError('--mode fixed needs --personas FILE', EXIT_BAD_INPUT);
  const features = values.features ? parseFeatures(values.features) : (personasFile?.features ?? []);
  return {
    model,
    features,
    personas: personasFile?.personas,
    mode: parsed.mode,
    k: parsed.k,
    nInit: parsed.nInit,
    seed: parsed.seed,
    algorithm: parsed.algorithm,
    batchSize: parsed.batchSize,
    parallelism: 1,
    data,
    artifacts: parseArtifactsFlag(values.artifacts),
  };
}

type FeatureParser = (value: string) => { name: string; type?: 'numeric' | 'categorical' }[];

function jobLogger(quiet: boolean | undefined, bindings: Record<string, string>): Logger {
  return pino({ name: 'persona-trainer', level: quiet ? 'warn' : 'info', base: bindings });
}

/** Runs `persona train` in Job mode; `parsed` are the train command's reads of the shared flags. */
export async function runJobMode(
  values: JobFlags,
  parsed: TrainFlags,
  parseFeatures: FeatureParser,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const url = registryUrl(values.registry);
  let input: TrainingJobInput;
  let specRunId: string | undefined;
  const specSource = values.spec
    ? await readSpecFile(values.spec, TrainingSpecError)
    : env[TRAINING_SPEC_ENV];
  const bootLog = jobLogger(values.quiet, {});
  try {
    if (specSource !== undefined) {
      const spec =
        typeof specSource === 'string'
          ? parseTrainingJobSpecJson(specSource, TRAINING_SPEC_ENV)
          : parseTrainingJobSpec(specSource);
      specRunId = spec.runId;
      if (values.model) {
        const m = modelRefFlag('--model', values.model);
        if (m.namespace !== spec.model.namespace || m.name !== spec.model.name) {
          throw new CliError(`--model ${values.model} differs from the spec's model`, EXIT_BAD_INPUT);
        }
      }
      input = spec;
    } else {
      input = await inputFromFlags(values, parsed, parseFeatures);
    }
  } catch (err) {
    if (err instanceof InputError) {
      const field = specErrorField(err);
      bootLog.error({ phase: 'failed', kind: 'bad-input', exitCode: EXIT_BAD_INPUT, ...field }, err.message);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
  const runId = jobRunId(values['run-id'], env, specRunId);
  const gcs: GcsClientOptions = env[GCS_ENDPOINT_ENV] ? { apiEndpoint: env[GCS_ENDPOINT_ENV] } : {};
  const logger = jobLogger(values.quiet, { model: `${input.model.namespace}/${input.model.name}`, runId });
  const completionIndex = env[JOB_COMPLETION_INDEX_ENV];
  const result = await runTrainingJob(input, {
    registryUrl: url,
    runId,
    logger,
    index: completionIndex ? Number(completionIndex) : undefined,
    // --postgres URL reaches the reader through the environment, like a Job's Secret.
    env: values.postgres && specSource === undefined ? { ...env, [DATA_URL_ENV]: values.postgres } : env,
    gcs,
    train: {
      workers: parsed.workers,
      silhouetteSampleSize: parsed.silhouetteSampleSize,
      referenceSampleSize: parsed.referenceSampleSize,
    },
  });
  logger.flush();
  return result.exitCode;
}
