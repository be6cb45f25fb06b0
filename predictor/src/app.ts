// The predictor's fastify app: root plugins for what must cover every route (errors, metrics,
// the prediction log), then the probes and each protocol's routes under its prefix.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_BATCH } from './config.ts';
import { PredictorMetrics } from './metrics.ts';
import type { ServedModel } from './model.ts';
import { errorHandling } from './plugins/errors.ts';
import { healthRoutes } from './plugins/health.ts';
import { metricsPlugin } from './plugins/metrics.ts';
import { predictionLogPlugin, type PredictionLogConfig } from './plugins/prediction-log.ts';
import { v1Routes } from './routes/v1.ts';
import { v2Routes } from './routes/v2.ts';
import { PredictorState } from './state.ts';
// A JSON import (inlined by the image's bundler) rather than a file read relative to this module.
import predictorPackage from '../package.json' with { type: 'json' };

export type { PredictionLogConfig };

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

export function buildPredictorApp(opts: PredictorAppOptions = {}): FastifyInstance {
  const app = Fastify({
    // No logger of fastify's own: given one, fastify makes (or checks) a child logger for every
    // request, which cost about as much as scoring the row. The predictor's own lines (the
    // listening address, shutdown, unexpected errors) go to `log`; the metrics count requests.
    logController: new LogController({ disableRequestLogging: true }),
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

  // Fastify's own logger is then the silent one.
  const log: FastifyBaseLogger = opts.logger ?? app.log;
  const state = new PredictorState();
  const metrics = new PredictorMetrics({ defaultMetrics: opts.defaultMetrics });
  const ctx = { state, metrics, maxBatch: opts.maxBatch ?? DEFAULT_MAX_BATCH };

  void app.register(errorHandling, { log });
  if (opts.predictionLog)
    void app.register(predictionLogPlugin, { config: opts.predictionLog, metrics, state, log });
  void app.register(metricsPlugin, { metrics, state });
  void app.register(healthRoutes, { state });
  void app.register(v1Routes, { prefix: '/v1', ...ctx });
  void app.register(v2Routes, { prefix: '/v2', ...ctx, serverVersion });

  let shutdownPromise: Promise<void> | undefined;
  app.decorate('predictor', {
    state,
    metrics,
    setModel(model: ServedModel) {
      state.setModel(model);
    },
    shutdown({ drainDelayMs = 0 }: { drainDelayMs?: number } = {}) {
      shutdownPromise ??= (async () => {
        state.shuttingDown = true;
        log.info({ drainDelayMs }, 'shutdown: readiness is now false');
        if (drainDelayMs > 0) await new Promise((r) => setTimeout(r, drainDelayMs));
        log.info('shutdown: closing the server; waiting for in-flight requests');
        await app.close();
        log.info('shutdown: complete');
      })();
      return shutdownPromise;
    },
  } satisfies PredictorHandle);

  if (opts.model) app.predictor.setModel(opts.model);
  return app;
}
