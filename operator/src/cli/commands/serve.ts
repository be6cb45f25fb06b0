// `persona serve`: the predictor process. It listens at once (liveness answers), loads one
// model version, and only then turns ready; a version that cannot be loaded ends the process
// with a non-zero code and a log line saying why, so a rollout stalls instead of serving nothing.
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { Registry } from '@persona-operator/core/registry/index';
import { buildPredictorApp, DEFAULT_BODY_LIMIT, DEFAULT_MAX_BATCH } from '@persona-operator/predictor/app';
import { loadModelFile, loadModelFromRegistry, ModelLoadError } from '@persona-operator/predictor/load';
import type { ServedModel } from '@persona-operator/predictor/model';
import type { Command } from '../main.ts';
import { CliError, EXIT_BAD_INPUT, EXIT_OK, EXIT_TRANSIENT } from '../errors.ts';

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
  --port N                 default 8080
  --host ADDR              default $PERSONA_BIND_ADDRESS or 0.0.0.0
  --max-batch N            rows per request at most (default ${DEFAULT_MAX_BATCH})
  --body-limit SIZE        request body limit, e.g. 8mb, 512kb (default ${DEFAULT_BODY_LIMIT / 1024 / 1024}mb)
  --drain-delay DURATION   on SIGTERM, time between readiness turning false and the listener
                           closing, so the Service stops routing here first (default 2s)
  --log-level LEVEL        pino level (default info)

Prediction logging (for DriftMonitors reading live traffic; needs the registry):
  --log-predictions        log every scored row to the registry's prediction log
  --log-queue-size N       rows held in memory at most; more are dropped and counted (default 10000)
  --log-batch-size N       rows per insert (default 500)
  --log-flush-interval D   a partial batch is written after this long (default 1s)`;

/** Same variable as the trainer's (operator/src/trainer/cli.ts), kept here so serve does not load the trainer. */
const GCS_ENDPOINT_ENV = 'PERSONA_GCS_ENDPOINT';

const NAME_RE = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export interface ServeConfig {
  modelFile?: string;
  registryUrl?: string;
  model?: { namespace: string; name: string };
  version?: number;
  name?: string;
  port: number;
  host: string;
  maxBatch: number;
  bodyLimit: number;
  drainDelayMs: number;
  logLevel: string;
  logPredictions: boolean;
  logQueueSize: number;
  logBatchSize: number;
  logFlushIntervalMs: number;
}

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

const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000 };

export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|)$/.exec(value.trim());
  if (!m)
    throw new CliError(`${flag}: expected a duration such as 500ms, 2s or 1m, got ${JSON.stringify(value)}`);
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2]]);
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig {
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
      port: { type: 'string', default: '8080' },
      host: { type: 'string' },
      'max-batch': { type: 'string', default: String(DEFAULT_MAX_BATCH) },
      'body-limit': { type: 'string', default: String(DEFAULT_BODY_LIMIT) },
      'drain-delay': { type: 'string', default: '2s' },
      'log-level': { type: 'string', default: 'info' },
      'log-predictions': { type: 'boolean', default: false },
      'log-queue-size': { type: 'string', default: '10000' },
      'log-batch-size': { type: 'string', default: '500' },
      'log-flush-interval': { type: 'string', default: '1s' },
    },
  });
  const registryUrl = values.registry ?? (env.PERSONA_REGISTRY_URL || undefined);
  const versionText = values.version ?? (env.MODEL_VERSION || undefined);
  let model: ServeConfig['model'];
  if (values.model !== undefined) {
    const [namespace, name, ...rest] = values.model.split('/');
    if (rest.length > 0 || !namespace || !name || !NAME_RE.test(namespace) || !NAME_RE.test(name)) {
      throw new CliError(
        `--model: expected NAMESPACE/NAME (Kubernetes names), got ${JSON.stringify(values.model)}`,
      );
    }
    model = { namespace, name };
  }
  const version =
    versionText === undefined ? undefined : positiveInt(versionText, '--version (or MODEL_VERSION)');
  const modelFile = values['model-file'];
  if (modelFile !== undefined && values.model === undefined && values.version !== undefined) {
    throw new CliError('--version without --model: a model file is one version already');
  }
  if (modelFile === undefined) {
    if (!registryUrl)
      throw new CliError('give --model-file, or --registry URL (or PERSONA_REGISTRY_URL) with --model');
    if (!model) throw new CliError('--model NAMESPACE/NAME is required with --registry');
    if (version === undefined)
      throw new CliError('--version N (or MODEL_VERSION) is required with --registry');
  }
  const logPredictions = values['log-predictions'] === true;
  if (logPredictions && !registryUrl) {
    throw new CliError(
      '--log-predictions writes to the registry: give --registry URL (or PERSONA_REGISTRY_URL)',
    );
  }
  const level = values['log-level'] as string;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    throw new CliError(
      `--log-level: expected fatal, error, warn, info, debug, trace or silent, got ${level}`,
    );
  }
  if (values.name !== undefined && !NAME_RE.test(values.name)) {
    throw new CliError(`--name: expected a Kubernetes name, got ${JSON.stringify(values.name)}`);
  }
  const port = positiveInt(values.port as string, '--port', 0);
  if (port > 65535) throw new CliError(`--port: expected 0..65535, got ${port}`);
  return {
    modelFile,
    registryUrl,
    model,
    version,
    name: values.name,
    port,
    host: values.host ?? env.PERSONA_BIND_ADDRESS ?? '0.0.0.0',
    maxBatch: positiveInt(values['max-batch'] as string, '--max-batch'),
    bodyLimit: parseSize(values['body-limit'] as string, '--body-limit'),
    drainDelayMs: parseDuration(values['drain-delay'] as string, '--drain-delay'),
    logLevel: level,
    logPredictions,
    logQueueSize: positiveInt(values['log-queue-size'] as string, '--log-queue-size'),
    logBatchSize: positiveInt(values['log-batch-size'] as string, '--log-batch-size'),
    logFlushIntervalMs: parseDuration(values['log-flush-interval'] as string, '--log-flush-interval'),
  };
}

/** The registry URL carries a password: it must never reach a log line, even inside an error message. */
function scrub(message: string, url: string | undefined): string {
  if (!url) return message;
  let out = message.split(url).join('<registry>');
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) out = out.split(password).join('***');
  } catch {
    // Not a parseable URL: nothing more to hide than the whole string.
  }
  return out;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

async function loadModel(config: ServeConfig, registry: Registry | undefined): Promise<ServedModel> {
  if (config.modelFile !== undefined) {
    return loadModelFile(config.modelFile, {
      name: config.name ?? config.model?.name,
      namespace: config.model?.namespace,
      version: config.model ? config.version : undefined,
    });
  }
  const { namespace, name } = config.model as { namespace: string; name: string };
  const served = await loadModelFromRegistry(registry as Registry, {
    namespace,
    name,
    version: config.version as number,
  });
  return config.name ? { ...served, name: config.name } : served;
}

export async function runServe(
  config: ServeConfig,
  logger: Logger = pino({ level: config.logLevel, name: 'persona-predictor' }),
): Promise<number> {
  const log = logger.child({ component: 'predictor' });
  let registry: Registry | undefined;
  if (config.registryUrl) {
    try {
      registry = await Registry.connect(config.registryUrl, {
        applicationName: 'persona-predictor',
        max: 2,
        // Artifacts kept in GCS are read with the pod's credentials; the endpoint override is
        // the same variable the trainer reads (a local fake in tests and the local cluster).
        gcs: process.env[GCS_ENDPOINT_ENV] ? { apiEndpoint: process.env[GCS_ENDPOINT_ENV] } : {},
      });
    } catch (err) {
      log.error({ err: scrub(String(err), config.registryUrl) }, 'cannot connect to the registry');
      return EXIT_TRANSIENT;
    }
  }
  const reg = registry;
  const app = buildPredictorApp({
    logger: logger as unknown as FastifyBaseLogger,
    maxBatch: config.maxBatch,
    bodyLimit: config.bodyLimit,
    predictionLog:
      config.logPredictions && reg
        ? {
            sink: (entries) => reg.insertPredictionLog(entries),
            maxQueue: config.logQueueSize,
            batchSize: config.logBatchSize,
            flushIntervalMs: config.logFlushIntervalMs,
          }
        : undefined,
  });
  const signal = waitForSignal();
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    log.error({ err: String(err), host: config.host, port: config.port }, 'cannot listen');
    await registry?.close();
    return EXIT_TRANSIENT;
  }

  let model: ServedModel;
  try {
    model = await loadModel(config, registry);
    app.predictor.setModel(model);
  } catch (err) {
    const transient = err instanceof ModelLoadError && err.transient;
    log.error(
      { err: scrub(err instanceof Error ? err.message : String(err), config.registryUrl), transient },
      'cannot load the model; exiting so the rollout stalls instead of serving nothing',
    );
    await app.close();
    await registry?.close();
    return transient ? EXIT_TRANSIENT : EXIT_BAD_INPUT;
  }
  if (!config.logPredictions && registry) {
    await registry.close();
    registry = undefined;
  }
  log.info(
    {
      model: model.name,
      namespace: model.namespace,
      version: model.version,
      personas: model.personaNames.length,
      features: model.scorer.featureNames,
      logPredictions: config.logPredictions,
    },
    'model loaded; ready',
  );

  log.info({ signal: await signal }, 'shutdown requested');
  await app.predictor.shutdown({ drainDelayMs: config.drainDelayMs });
  await registry?.close();
  log.info('stopped');
  return EXIT_OK;
}

export const command: Command = {
  summary: 'serve one model version over HTTP (KServe V1 and Open Inference Protocol V2)',
  usage,
  run: async (argv) => runServe(parseServeArgs(argv)),
};
