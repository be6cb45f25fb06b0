export { buildPredictorApp, DEFAULT_BODY_LIMIT, DEFAULT_MAX_BATCH } from './app.ts';
export type { PredictorAppOptions, PredictorHandle, PredictionLogConfig } from './app.ts';
export { serveArtifact } from './model.ts';
export type { ModelIdentity, ServedModel } from './model.ts';
export { PredictionLog } from './prediction-log.ts';
export type { PredictionLogEntry, PredictionLogSink } from './prediction-log.ts';
export { loadModelFile, loadModelFromRegistry, ModelLoadError } from './load.ts';
export { PredictorState } from './state.ts';
