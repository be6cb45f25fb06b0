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
import { parseDuration } from '@persona-operator/core/time/duration';
import { CliError } from '../errors.ts';

const d = DEFAULT_PREDICTION_LOG_LIMITS;
const usage = `Usage: persona serve --model-file model.json [--name NAME]
       persona serve --registry URL --model NAMESPACE/NAME --version N

Serves one model version over HTTP: KServe V1 (/v1/models/{name}:predict), the Open Inference
Protocol V2 (/v2/models/{name}/infer), /healthz, /readyz and /metrics.

Model (one of):
  --model-file FILE        a model artifact (JSON) written by \`persona train --out\`
  --registry URL           the registry's Postgres URL (default: $PERSONA_REGISTRY_URL)
  --model NS/NAME          the PersonaModel whose version to load
  --version N              the version to load (default: $MODEL_VERSION)
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

/** The variable the trainer reads too: a GCS endpoint override (a local fake in tests and local clusters). */
const GCS_ENDPOINT_ENV = 'PERSONA_GCS_ENDPOINT';

const NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const EXIT_CODES: Record<PredictorOutcome, number> = {
  stopped: EXIT_OK,
  'failed-transient': EXIT_TRANSIENT,
  'failed-permanent': EXIT_BAD_INPUT,
};

function positiveInt(value: string, flag: string, min = 1): number {
  if (!/^\d+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new CliError(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
};

export function parseSize(value: string, flag: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) === 0) {
    throw new CliError(
      `${flag}: expected a size such as 1048576, 512kb or 8mb, got ${JSON.stringify(value)}`,
    );
  }
  return Number(m[1]) * unit;
}

function durationFlag(value: string, flag: string): number {
  try {
    return parseDuration(value, flag);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function parseModelRef(value: string): { namespace: string; name: string } {
  const [namespace, name, ...rest] = value.split('/');
  if (rest.length > 0 || !namespace || !name || !NAME_RE.test(namespace) || !NAME_RE.test(name)) {
    throw new CliError(`--model: expected NAMESPACE/NAME (Kubernetes names), got ${JSON.stringify(value)}`);
  }
  return { namespace, name };
}

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
      port: { type: 'string', default: String(DEFAULT_PORT) },
      host: { type: 'string' },
      'max-batch': { type: 'string', default: String(DEFAULT_MAX_BATCH) },
      'body-limit': { type: 'string', default: String(DEFAULT_BODY_LIMIT) },
      'drain-delay': { type: 'string', default: `${DEFAULT_DRAIN_DELAY_MS}ms` },
      'log-level': { type: 'string', default: DEFAULT_LOG_LEVEL },
      'log-predictions': { type: 'boolean', default: false },
      'log-queue-size': { type: 'string', default: String(d.maxQueue) },
      'log-batch-size': { type: 'string', default: String(d.batchSize) },
      'log-flush-interval': { type: 'string', default: `${d.flushIntervalMs}ms` },
    },
  });
  const registryUrl = values.registry ?? (env.PERSONA_REGISTRY_URL || undefined);
  const versionText = values.version ?? (env.MODEL_VERSION || undefined);
  const ref = values.model === undefined ? undefined : parseModelRef(values.model);
  const version =
    versionText === undefined ? undefined : positiveInt(versionText, '--version (or MODEL_VERSION)');
  if (values.name !== undefined && !NAME_RE.test(values.name)) {
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
      throw new CliError('give --model-file, or --registry URL (or PERSONA_REGISTRY_URL) with --model');
    if (!ref) throw new CliError('--model NAMESPACE/NAME is required with --registry');
    if (version === undefined)
      throw new CliError('--version N (or MODEL_VERSION) is required with --registry');
    model = { kind: 'registry', ref: { ...ref, version }, servedName: values.name };
  }
  if (values['log-predictions'] && !registryUrl) {
    throw new CliError(
      '--log-predictions writes to the registry: give --registry URL (or PERSONA_REGISTRY_URL)',
    );
  }
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new CliError(`--log-level: expected ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  }
  const logLimits = {
    maxQueue: positiveInt(values['log-queue-size'] as string, '--log-queue-size'),
    batchSize: positiveInt(values['log-batch-size'] as string, '--log-batch-size'),
    flushIntervalMs: durationFlag(values['log-flush-interval'] as string, '--log-flush-interval'),
  };
  const port = positiveInt(values.port as string, '--port', 0);
  if (port > 65535) throw new CliError(`--port: expected 0..65535, got ${port}`);
  return {
    model,
    registryUrl,
    gcsEndpoint: env[GCS_ENDPOINT_ENV] || undefined,
    port,
    host: values.host ?? env.PERSONA_BIND_ADDRESS ?? DEFAULT_HOST,
    maxBatch: positiveInt(values['max-batch'] as string, '--max-batch'),
    bodyLimit: parseSize(values['body-limit'] as string, '--body-limit'),
    drainDelayMs: durationFlag(values['drain-delay'] as string, '--drain-delay'),
    logLevel,
    predictionLog: values['log-predictions'] ? logLimits : undefined,
  };
}

export const command: Command = {
  summary: 'serve one model version over HTTP (KServe V1 and Open Inference Protocol V2)',
  usage,
  run: async (argv) => EXIT_CODES[await runPredictor(parseServeArgs(argv))],
};
