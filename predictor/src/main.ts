// The predictor process. It listens at once (liveness answers), loads one model version, and
// only then turns ready; a version that cannot be loaded ends the run with a log line saying
// why, so a rollout stalls instead of serving nothing. SIGTERM or SIGINT drains and stops it.
import { pino, type Logger } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { Registry } from '@persona-operator/registry';
import { redact } from '@persona-operator/core/redact';
import { buildPredictorApp } from './app.ts';
import type { PredictorConfig } from './config.ts';
import { loadModelFile, loadModelFromRegistry, ModelLoadError } from './load.ts';
import type { ServedModel } from './model.ts';

/**
 * How a run ended: stopped by a signal after serving, or failed before it became ready, where
 * retrying can help (registry unreachable, port taken) or cannot (missing version, bad artifact).
 */
export type PredictorOutcome = 'stopped' | 'failed-transient' | 'failed-permanent';

/** The registry URL and its password, never to appear in a log line, even inside an error message. */
function registrySecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    return [url, decodeURIComponent(new URL(url).password)];
  } catch {
    return [url];
  }
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

async function loadModel(config: PredictorConfig, registry: Registry | undefined): Promise<ServedModel> {
  const source = config.model;
  if (source.kind === 'file') return loadModelFile(source.path, source.identity);
  if (!registry) throw new ModelLoadError('a registry model needs the registry URL', false);
  const served = await loadModelFromRegistry(registry, source.ref);
  return source.servedName ? { ...served, name: source.servedName } : served;
}

export async function runPredictor(
  config: PredictorConfig,
  logger: Logger = pino({ level: config.logLevel, name: 'persona-predictor' }),
): Promise<PredictorOutcome> {
  const log = logger.child({ component: 'predictor' });
  const secrets = registrySecrets(config.registryUrl);
  const describe = (err: unknown) => redact(err instanceof Error ? err.message : String(err), secrets);

  if (config.predictionLog && !config.registryUrl) {
    log.error('prediction logging writes to the registry: give the registry URL');
    return 'failed-permanent';
  }
  let registry: Registry | undefined;
  if (config.registryUrl) {
    try {
      registry = await Registry.connect(config.registryUrl, {
        applicationName: 'persona-predictor',
        max: 2,
        // Artifacts kept in GCS are read with the pod's credentials.
        gcs: config.gcsEndpoint ? { apiEndpoint: config.gcsEndpoint } : {},
      });
    } catch (err) {
      log.error({ err: describe(err) }, 'cannot connect to the registry');
      return 'failed-transient';
    }
  }
  const sink = registry;
  const app = buildPredictorApp({
    logger: logger as unknown as FastifyBaseLogger,
    maxBatch: config.maxBatch,
    bodyLimit: config.bodyLimit,
    predictionLog:
      config.predictionLog && sink
        ? { sink: (entries) => sink.insertPredictionLog(entries), ...config.predictionLog }
        : undefined,
  });
  const signal = waitForSignal();
  try {
    const address = await app.listen({ port: config.port, host: config.host });
    logger.info(`Server listening at ${address}`);
  } catch (err) {
    log.error({ err: String(err), host: config.host, port: config.port }, 'cannot listen');
    await registry?.close();
    return 'failed-transient';
  }

  let model: ServedModel;
  try {
    model = await loadModel(config, registry);
    app.predictor.setModel(model);
  } catch (err) {
    const transient = err instanceof ModelLoadError && err.transient;
    log.error(
      { err: describe(err), transient },
      'cannot load the model; exiting so the rollout stalls instead of serving nothing',
    );
    await app.close();
    await registry?.close();
    return transient ? 'failed-transient' : 'failed-permanent';
  }
  if (!config.predictionLog && registry) {
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
      logPredictions: config.predictionLog !== undefined,
    },
    'model loaded; ready',
  );

  log.info({ signal: await signal }, 'shutdown requested');
  await app.predictor.shutdown({ drainDelayMs: config.drainDelayMs });
  await registry?.close();
  log.info('stopped');
  return 'stopped';
}
