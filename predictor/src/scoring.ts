// The part of a prediction both protocols share: batch limits, scoring, metrics, logging.
import type { Prediction } from '@persona-operator/core/artifact/types';
import { HttpError } from './errors.ts';
import type { ServedModel } from './model.ts';
import type { PredictorMetrics } from './metrics.ts';
import type { PredictorState } from './state.ts';

export interface ScoringContext {
  state: PredictorState;
  metrics: PredictorMetrics;
  maxBatch: number;
}

/** Rejects an empty or oversized batch before any row is scored. */
export function checkBatchSize(ctx: ScoringContext, rows: number, field: string): void {
  if (rows === 0) throw new HttpError(400, `${field}: empty batch; send at least one row`);
  if (rows > ctx.maxBatch) {
    throw new HttpError(
      413,
      `${field}: ${rows} rows exceed the batch limit of ${ctx.maxBatch}; split the request`,
    );
  }
}

/** Scores rows (arrays in feature order or objects by feature name); RowError propagates as a 400. */
export function score(ctx: ScoringContext, model: ServedModel, rows: readonly unknown[]): Prediction[] {
  const preds = model.scorer.predictBatch(rows);
  ctx.metrics.observePredictions(preds);
  ctx.state.predictionLog?.record(rows, preds);
  return preds;
}
