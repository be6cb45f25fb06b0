// `persona serve`: the predictor process (runPredictor), configured from flags and the pod's
// environment.
import { parseArgs } from 'node:util';
import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_DRAIN_DELAY_MS,
  DEFAULT_HOST,
  DEFAULT_LOG_LEVEL,
  DEFAULT_MAX_BATCH,
  DEFAULT_PORT,
  DEFAULT_PREDICTION_LOG_LIMITS,
  LOG_LEVELS,
  type LogLevel,
  type ModelSource,
  type PredictorConfig,
} from '@persona-operator/predictor/config';
import { runPredictor, type PredictorOutcome } from '@persona-operator/predictor/main';
import type { Command } from '../main.ts';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { GCS_ENDPOINT_ENV, MODEL_VERSION_ENV, REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import { CliError } from '../errors.ts';
import {
  choiceFlag,
  durationFlag,
  intFlag,
  isKubernetesName,
  modelRefFlag,
  postgresUrlFlag,
  sizeFlag,
} from '../flags.ts';

const d = DEFAULT_PREDICTION_LOG_LIMITS;
const usage = `Usage: persona serve --model-file model.json [--name NAME]
       persona serve --registry URL --model NAMESPACE/NAME --version N

Serves one model version over HTTP: KServe V1 (/v1/models/{name}:predict), the Open Inference
Protocol V2 (/v2/models/{name}/infer), /healthz, /readyz and /metrics.

Model (one of):
  --model-file FILE        a model artifact (JSON) written by \`persona train --out\`
  --registry URL           the registry's Postgres URL (default: $${REGISTRY_URL_ENV})
  --model NS/NAME          the PersonaModel whose version to load
  --version N              the version to load (default: $${MODEL_VERSION_ENV})
  --name NAME              the name to serve under (default: the PersonaModel's name)

Server:
  --port N                 default ${DEFAULT_PORT}
  --host ADDR              default $PERSONA_BIND_ADDRESS or ${DEFAULT_HOST}
  --max-batch N            rows per request at most (default ${DEFAULT_MAX_BATCH})
  --body-limit SIZE        request body limit, e.g. 8mb, 512kb (default ${DEFAULT_BODY_LIMIT / 1024 / 1024}mb)
  --drain-delay DURATION   on SIGTERM, time between readiness turning false and the listener
                           closing, so the Service stops routing here first (default ${DEFAULT_DRAIN_DELAY_MS / 1000}s)
  --log-level LEVEL        pino level (default ${DEFAULT_LOG_LEVEL})

Prediction logging (for DriftMonitors reading live traffic; needs the registry):
  --log-predictions        log every scored row to the registry's prediction log
  --log-queue-size N       rows held in memory at most; more are dropped and counted (default ${d.maxQueue})
  --log-batch-size N       rows per insert (default ${d.batchSize})
  --log-flush-interval D   a partial batch is written after this long (default ${d.flushIntervalMs / 1000}s)`;

const EXIT_CODES: Record<PredictorOutcome, number> = {
  stopped: EXIT_OK,
  'failed-transient': EXIT_TRANSIENT,
  'failed-permanent': EXIT_BAD_INPUT,
};

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): PredictorConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'model-file': { type: 'string' },
      registry: { type: 'string' },
      model: { type: 'string' },
      version: { type: 'string' },
      name: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'max-batch': { type: 'string' },
      'body-limit': { type: 'string' },
      'drain-delay': { type: 'string' },
      'log-level': { type: 'string' },
      'log-predictions': { type: 'boolean', default: false },
      'log-queue-size': { type: 'string' },
      'log-batch-size': { type: 'string' },
      'log-flush-interval': { type: 'string' },
    },
  });
  const registryUrl = postgresUrlFlag('--registry', values.registry, { name: REGISTRY_URL_ENV, env });
  const ref = modelRefFlag('--model', values.model);
  const version =
    values.version !== undefined
      ? intFlag('--version', values.version, { min: 1 })
      : intFlag(MODEL_VERSION_ENV, env[MODEL_VERSION_ENV] || undefined, { min: 1 });
  if (values.name !== undefined && !isKubernetesName(values.name)) {
    throw new CliError(`--name: expected a Kubernetes name, got ${JSON.stringify(values.name)}`);
  }
  const modelFile = values['model-file'];
  let model: ModelSource;
  if (modelFile !== undefined) {
    if (ref === undefined && values.version !== undefined) {
      throw new CliError('--version without --model: a model file is one version already');
    }
    model = {
      kind: 'file',
      path: modelFile,
      identity: {
        name: values.name ?? ref?.name,
        namespace: ref?.namespace,
        version: ref ? version : undefined,
      },
    };
  } else {
    if (!registryUrl)
      throw new CliError(`give --model-file, or --registry URL (or ${REGISTRY_URL_ENV}) with --model`);
    if (!ref) throw new CliError('--model NAMESPACE/NAME is required with --registry');
    if (version === undefined)
      throw new CliError(`--version N (or ${MODEL_VERSION_ENV}) is required with --registry`);
    model = { kind: 'registry', ref: { ...ref, version }, servedName: values.name };
  }
  if (values['log-predictions'] && !registryUrl) {
    throw new CliError(
      `--log-predictions writes to the registry: give --registry URL (or ${REGISTRY_URL_ENV})`,
    );
  }
  const logLevel: LogLevel = choiceFlag('--log-level', values['log-level'], LOG_LEVELS) ?? DEFAULT_LOG_LEVEL;
  const logLimits = {
    maxQueue: intFlag('--log-queue-size', values['log-queue-size'], { min: 1 }) ?? d.maxQueue,
    batchSize: intFlag('--log-batch-size', values['log-batch-size'], { min: 1 }) ?? d.batchSize,
    flushIntervalMs: durationFlag('--log-flush-interval', values['log-flush-interval']) ?? d.flushIntervalMs,
  };
  return {
    model,
    registryUrl,
    gcsEndpoint: env[GCS_ENDPOINT_ENV] || undefined,
    port: intFlag('--port', values.port, { min: 0, max: 65535 }) ?? DEFAULT_PORT,
    host: values.host ?? env.PERSONA_BIND_ADDRESS ?? DEFAULT_HOST,
    maxBatch: intFlag('--max-batch', values['max-batch'], { min: 1 }) ?? DEFAULT_MAX_BATCH,
    bodyLimit: sizeFlag('--body-limit', values['body-limit']) ?? DEFAULT_BODY_LIMIT,
    drainDelayMs: durationFlag('--drain-delay', values['drain-delay']) ?? DEFAULT_DRAIN_DELAY_MS,
    logLevel,
    predictionLog: values['log-predictions'] ? logLimits : undefined,
  };
}

export const command: Command = {
  summary: 'serve one model version over HTTP (KServe V1 and Open Inference Protocol V2)',
  usage,
  run: async (argv) => EXIT_CODES[await runPredictor(parseServeArgs(argv))],
};
