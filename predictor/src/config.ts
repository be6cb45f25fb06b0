// What the predictor process needs to run: where its model comes from, how it listens and
// drains, and whether it logs predictions. `persona serve` builds it from flags and the pod's
// environment; the defaults are stated here once.
import type { ModelIdentity } from './model.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_MAX_BATCH = 10_000;
/** Enough for a 10k-row batch of a dozen features sent as objects. */
export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;
/** Time for the Service to stop routing here between readiness turning false and the listener closing. */
export const DEFAULT_DRAIN_DELAY_MS = 2000;
export const DEFAULT_LOG_LEVEL = 'info';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface PredictionLogLimits {
  /** Entries held in memory at most; beyond this new entries are dropped and counted. */
  maxQueue: number;
  /** Entries per insert. */
  batchSize: number;
  /** A partial batch is written after this long. */
  flushIntervalMs: number;
}

export const DEFAULT_PREDICTION_LOG_LIMITS: PredictionLogLimits = {
  maxQueue: 10_000,
  batchSize: 500,
  flushIntervalMs: 1000,
};

/** A version in the registry, by its PersonaModel. */
export interface RegistryModelRef {
  namespace: string;
  name: string;
  version: number;
}

export type ModelSource =
  /** An artifact file; `identity` overrides what the artifact records. */
  | { kind: 'file'; path: string; identity: Partial<ModelIdentity> }
  /** A registry version; served under the PersonaModel's name unless `servedName` is given. */
  | { kind: 'registry'; ref: RegistryModelRef; servedName?: string };

export interface PredictorConfig {
  model: ModelSource;
  /** The registry's Postgres URL, for a registry model or the prediction log. It holds a password: never logged. */
  registryUrl?: string;
  /** Overrides the GCS endpoint artifacts are read from (a local fake in tests and local clusters). */
  gcsEndpoint?: string;
  port: number;
  host: string;
  maxBatch: number;
  bodyLimit: number;
  drainDelayMs: number;
  logLevel: LogLevel;
  /** Log every scored row to the registry's prediction log; needs `registryUrl`. */
  predictionLog?: PredictionLogLimits;
}
