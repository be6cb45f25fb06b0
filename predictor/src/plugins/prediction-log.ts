// The prediction log's life in the app: one log per served model (its entries carry the model's
// version), counted in the metrics, flushed when the app closes. A root plugin (fastify-plugin)
// so its onClose hook runs with the app's own.
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import type { PredictionLogLimits } from '../config.ts';
import type { PredictorMetrics } from '../metrics.ts';
import type { ServedModel } from '../model.ts';
import { PredictionLog, type PredictionLogSink } from '../prediction-log.ts';
import type { PredictorState } from '../state.ts';

export interface PredictionLogConfig extends Partial<PredictionLogLimits> {
  sink: PredictionLogSink;
}

export interface PredictionLogPluginOptions {
  config: PredictionLogConfig;
  metrics: PredictorMetrics;
  state: PredictorState;
  log: FastifyBaseLogger;
}

const WARN_INTERVAL_MS = 10_000;

function createPredictionLog(
  log: FastifyBaseLogger,
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
    ...config,
    model: { namespace: model.namespace, name: model.name, version: model.version },
    featureNames: model.scorer.featureNames,
    onWritten: (n) => metrics.logWritten.inc(n),
    onDropped: (n, reason, err) => {
      metrics.logDropped.labels(reason).inc(n);
      if (reason === 'insert_failed') {
        log.warn(
          { dropped: n, err: err instanceof Error ? err.message : String(err) },
          'prediction log insert failed',
        );
      } else if (Date.now() - lastFullWarning > WARN_INTERVAL_MS) {
        lastFullWarning = Date.now();
        log.warn({ dropped: n }, 'prediction log queue full: dropping entries');
      }
    },
  });
}

export const predictionLogPlugin = fp<PredictionLogPluginOptions>(
  async (app, { config, metrics, state, log }) => {
    state.onModel((model) => {
      const previous = state.predictionLog;
      state.predictionLog = createPredictionLog(log, model, config, metrics);
      void previous?.close();
    });
    app.addHook('onClose', async () => {
      const predictionLog = state.predictionLog;
      if (!predictionLog) return;
      const pending = predictionLog.pending;
      await predictionLog.close();
      log.info({ flushed: pending }, 'prediction log flushed');
    });
  },
  { name: 'persona-prediction-log', fastify: '5.x' },
);
