// The model artifact (schemaVersion 1): the JSON document a training run produces and
// every consumer (registry, predictor, drift checker) reads. This is a published contract:
// extend it with optional fields, never rename or remove.

export const ARTIFACT_SCHEMA_VERSION = 1 as const;

export type FeatureType = 'numeric' | 'categorical';

export interface FeatureSpec {
  name: string;
  type: FeatureType;
}

export interface NumericEncoding {
  name: string;
  type: 'numeric';
  /** Mean of the training column. */
  mean: number;
  /** Population standard deviation of the training column (as scikit-learn's StandardScaler). */
  std: number;
  /** Divisor actually used: `std`, or 1 for a constant column so nothing divides by zero. */
  scale: number;
}

export interface CategoricalEncoding {
  name: string;
  type: 'categorical';
  /** One-hot columns, in this order, follow the feature's position. */
  categories: string[];
}

export type FeatureEncoding = NumericEncoding | CategoricalEncoding;

/** A raw-unit value of one feature: a number, or a category for categorical features. */
export type RawValue = number | string;

export interface Persona {
  /** Stable index into the centroid table, 0-based. */
  id: number;
  name: string;
  /** Centroid in raw units (categorical features: the dominant category). */
  centroid: Record<string, RawValue>;
  /** Centroid in the encoded (standardised + one-hot) space the scorer measures in. */
  scaled: number[];
  /** True when the name was generated because no pre-defined or previous persona matched. */
  generated?: boolean;
}

export interface KMetrics {
  k: number;
  /** Sum of squared distances to the nearest centroid in the encoded space. */
  inertia: number;
  silhouette: number | null;
  calinskiHarabasz: number | null;
  daviesBouldin: number | null;
}

export interface ModelMetrics extends KMetrics {
  /** One row per k tried (a single row for a fixed k or mode `fixed`). */
  perK: KMetrics[];
  /** Names of personas created without a match, listed for review. */
  unmatchedPersonas: string[];
}

export interface TrainingProvenance {
  mode: 'fit' | 'fixed';
  rows: number;
  /** sha256 of the training rows as read, hex. */
  dataHash: string;
  seed: number;
  nInit: number;
  kRange: { min: number; max: number };
  durationMs: number;
  trainedAt: string;
  libraries: Record<string, string>;
}

export interface ReferenceSample {
  /** Feature names, in the artifact's feature order. */
  columns: string[];
  /** A seeded reservoir sample of training rows in raw units. */
  rows: RawValue[][];
}

export interface ModelArtifact {
  schemaVersion: typeof ARTIFACT_SCHEMA_VERSION;
  features: FeatureEncoding[];
  personas: Persona[];
  metrics: ModelMetrics;
  training: TrainingProvenance;
  reference: ReferenceSample;
  /** Filled in when the artifact is registered. */
  model?: { namespace: string; name: string; version: number };
}

/** One scored row. */
export interface Prediction {
  persona: string;
  personaId: number;
  /** Euclidean distance to the nearest centroid in the encoded space. */
  distance: number;
  /** In [0, 1]: how much closer the nearest centroid is than the second nearest. */
  confidence: number;
}
