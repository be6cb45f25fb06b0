// The predictor's fastify app. Each concern installs itself on the root instance (plain
// functions rather than encapsulated plugins, so the metrics hook sees every route and the
// error handler covers all of them).
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_BATCH, type PredictionLogLimits } from './config.ts';
import { installErrorHandling } from './errors.ts';
import { installHealthRoutes } from './health.ts';
import { PredictorMetrics, installMetrics } from './metrics.ts';
import type { ServedModel } from './model.ts';
import { PredictionLog, type PredictionLogSink } from './prediction-log.ts';
import { installV1Routes } from './routes-v1.ts';
import { installV2Routes } from './routes-v2.ts';
import { PredictorState } from './state.ts';
// A JSON import (inlined by the image's bundler) rather than a file read relative to this module.
import predictorPackage from '../package.json' with { type: 'json' };

export interface PredictionLogConfig extends Partial<PredictionLogLimits> {
  sink: PredictionLogSink;
}

export interface PredictorAppOptions {
  /** The model to serve at once; otherwise the app is not ready until `predictor.setModel`. */
  model?: ServedModel;
  maxBatch?: number;
  bodyLimit?: number;
  /** A pino logger; none (silent) by default. */
  logger?: FastifyBaseLogger;
  /** Log predictions to the registry; needs a model with a namespace and a version. */
  predictionLog?: PredictionLogConfig;
  /** Process metrics (CPU, memory, event loop); on by default. */
  defaultMetrics?: boolean;
}

export interface PredictorHandle {
  readonly state: PredictorState;
  readonly metrics: PredictorMetrics;
  setModel(model: ServedModel): void;
  /**
   * The graceful shutdown: readiness turns false at once; after `drainDelayMs` (time for the
   * Service to stop routing here) the server stops accepting connections, in-flight requests
   * finish, and the prediction log is flushed (an onClose hook).
   */
  shutdown(opts?: { drainDelayMs?: number }): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    predictor: PredictorHandle;
  }
}

const serverVersion = predictorPackage.version;

const WARN_INTERVAL_MS = 10_000;

function createPredictionLog(
  app: FastifyInstance,
  model: ServedModel,
  config: PredictionLogConfig,
  metrics: PredictorMetrics,
): PredictionLog {
  if (model.namespace === undefined || model.version === undefined) {
    throw new Error(
      `prediction logging needs the model's namespace and version; model "${model.name}" has ` +
        `${model.namespace === undefined ? 'no namespace' : 'no version'}`,
    );
  }
  let lastFullWarning = 0;
  return new PredictionLog({
    sink: config.sink,
    model: { namespace: model.namespace, name: model.name, version: model.version },
    featureNames: model.scorer.featureNames,
    maxQueue: config.maxQueue,
    batchSize: config.batchSize,
    flushIntervalMs: config.flushIntervalMs,
    onWritten: (n) => metrics.logWritten.inc(n),
    onDropped: (n, reason, err) => {
      metrics.logDropped.labels(reason).inc(n);
      if (reason === 'insert_failed') {
        app.log.warn(
          { dropped: n, err: err instanceof Error ? err.message : String(err) },
          'prediction log insert failed',
        );
      } else if (Date.now() - lastFullWarning > WARN_INTERVAL_MS) {
        lastFullWarning = Date.now();
        app.log.warn({ dropped: n }, 'prediction log queue full: dropping entries');
      }
    },
  });
}

export function buildPredictorApp(opts: PredictorAppOptions = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    // Per-request log lines would cost more than the prediction; the metrics count requests.
    logController: new LogController({ disableRequestLogging: true }),
    // A pino child per request costs about as much as scoring the row; the rare request log
    // line (an unexpected error) carries the request id itself instead.
    childLoggerFactory: (logger) => logger,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    // Kubernetes names run to 253 characters, plus ":predict" in the V1 route's parameter.
    routerOptions: { maxParamLength: 300 },
    // Unknown properties are errors, and "1" is not a number.
    ajv: {
      customOptions: {
        removeAdditional: false,
        coerceTypes: false,
        useDefaults: false,
        allowUnionTypes: true,
      },
    },
  }) as unknown as FastifyInstance;
  // Only JSON is accepted: any other content type is a 415, not a string fed to the schema.
  app.removeContentTypeParser('text/plain');

  const state = new PredictorState();
  const metrics = new PredictorMetrics({ defaultMetrics: opts.defaultMetrics });
  const ctx = { state, metrics, maxBatch: opts.maxBatch ?? DEFAULT_MAX_BATCH };

  installErrorHandling(app);
  installMetrics(app, metrics, state);
  installHealthRoutes(app, state);
  installV1Routes(app, ctx);
  installV2Routes(app, ctx, serverVersion);

  const logConfig = opts.predictionLog;
  app.addHook('onClose', async () => {
    const log = state.predictionLog;
    if (!log) return;
    const pending = log.pending;
    await log.close();
    app.log.info({ flushed: pending }, 'prediction log flushed');
  });

  let shutdownPromise: Promise<void> | undefined;
  app.decorate('predictor', {
    state,
    metrics,
    setModel(model: ServedModel) {
      const previous = state.predictionLog;
      state.predictionLog = logConfig ? createPredictionLog(app, model, logConfig, metrics) : undefined;
      void previous?.close();
      state.setModel(model);
    },
    shutdown({ drainDelayMs = 0 }: { drainDelayMs?: number } = {}) {
      shutdownPromise ??= (async () => {
        state.shuttingDown = true;
        app.log.info({ drainDelayMs }, 'shutdown: readiness is now false');
        if (drainDelayMs > 0) await new Promise((r) => setTimeout(r, drainDelayMs));
        app.log.info('shutdown: closing the server; waiting for in-flight requests');
        await app.close();
        app.log.info('shutdown: complete');
      })();
      return shutdownPromise;
    },
  } satisfies PredictorHandle);

  if (opts.model) app.predictor.setModel(opts.model);
  return app;
}
