// The model artifact (schemaVersion 1): the JSON document a training run produces and
// every consumer (registry, predictor, drift checker) reads. This is a published contract:
// extend it with optional fields, never rename or remove. The schemas below are its one
// source; the TypeScript types are derived from them.
import { Type, type Static } from 'typebox';
import { StringEnum, StringMap } from '../schema/types.ts';

export const ARTIFACT_SCHEMA_VERSION = 1 as const;

const Name = Type.String({ minLength: 1 });

export const FeatureTypeSchema = StringEnum(['numeric', 'categorical']);
export type FeatureType = Static<typeof FeatureTypeSchema>;

export const FeatureSpecSchema = Type.Object({ name: Name, type: FeatureTypeSchema });
export type FeatureSpec = Static<typeof FeatureSpecSchema>;

const NumericEncodingSchema = Type.Object({
  name: Name,
  type: Type.Literal('numeric'),
  mean: Type.Number({ description: 'Mean of the training column.' }),
  std: Type.Number({
    minimum: 0,
    description: "Population standard deviation of the training column (as scikit-learn's StandardScaler).",
  }),
  scale: Type.Number({
    exclusiveMinimum: 0,
    description: 'Divisor actually used: `std`, or 1 for a constant column so nothing divides by zero.',
  }),
});
export type NumericEncoding = Static<typeof NumericEncodingSchema>;

const CategoricalEncodingSchema = Type.Object({
  name: Name,
  type: Type.Literal('categorical'),
  categories: Type.Array(Type.String(), {
    minItems: 1,
    uniqueItems: true,
    description: "One-hot columns, in this order, follow the feature's position.",
  }),
});
export type CategoricalEncoding = Static<typeof CategoricalEncodingSchema>;

const FeatureEncodingSchema = Type.Union([NumericEncodingSchema, CategoricalEncodingSchema]);
export type FeatureEncoding = Static<typeof FeatureEncodingSchema>;

/** A raw-unit value of one feature: a number, or a category for categorical features. */
export const RawValueSchema = Type.Union([Type.Number(), Type.String()]);
export type RawValue = Static<typeof RawValueSchema>;

const PersonaSchema = Type.Object({
  id: Type.Integer({ minimum: 0, description: 'Stable index into the centroid table, 0-based.' }),
  name: Name,
  centroid: StringMap(RawValueSchema, {
    description: 'Centroid in raw units (categorical features: the dominant category).',
  }),
  scaled: Type.Array(Type.Number(), {
    description: 'Centroid in the encoded (standardised + one-hot) space the scorer measures in.',
  }),
  generated: Type.Optional(
    Type.Boolean({
      description: 'True when the name was generated because no pre-defined or previous persona matched.',
    }),
  ),
});
export type Persona = Static<typeof PersonaSchema>;

const KMetricsProperties = {
  k: Type.Integer({ minimum: 1 }),
  inertia: Type.Number({
    minimum: 0,
    description: 'Sum of squared distances to the nearest centroid in the encoded space.',
  }),
  silhouette: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()]),
  calinskiHarabasz: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  daviesBouldin: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
};
const KMetricsSchema = Type.Object(KMetricsProperties);
export type KMetrics = Static<typeof KMetricsSchema>;

const ModelMetricsSchema = Type.Object({
  ...KMetricsProperties,
  perK: Type.Array(KMetricsSchema, {
    description: 'One row per k tried (a single row for a fixed k or mode `fixed`).',
  }),
  unmatchedPersonas: Type.Array(Name, {
    description: 'Names of personas created without a match, listed for review.',
  }),
});
export type ModelMetrics = Static<typeof ModelMetricsSchema>;

const TrainingProvenanceSchema = Type.Object({
  mode: StringEnum(['fit', 'fixed']),
  rows: Type.Integer({ minimum: 0 }),
  dataHash: Type.String({ description: 'sha256 of the training rows as read, hex.' }),
  seed: Type.Integer(),
  nInit: Type.Integer({ minimum: 1 }),
  kRange: Type.Object({ min: Type.Integer({ minimum: 1 }), max: Type.Integer({ minimum: 1 }) }),
  durationMs: Type.Number({ minimum: 0 }),
  trainedAt: Name,
  libraries: StringMap(Name),
});
export type TrainingProvenance = Static<typeof TrainingProvenanceSchema>;

const ReferenceSampleSchema = Type.Object({
  columns: Type.Array(Type.String(), { description: "Feature names, in the artifact's feature order." }),
  rows: Type.Array(Type.Array(RawValueSchema), {
    description: 'A seeded reservoir sample of training rows in raw units.',
  }),
});
export type ReferenceSample = Static<typeof ReferenceSampleSchema>;

/** Points of the stored distance quantile grid: the quantile at every 0.1 %. */
export const DISTANCE_QUANTILE_POINTS = 1001;

const ReferenceStatsSchema = Type.Object(
  {
    rows: Type.Integer({ minimum: 1, description: 'Training rows the statistics describe.' }),
    personaCounts: Type.Array(Type.Integer({ minimum: 0 }), {
      description: 'Training rows nearest to each persona, by persona id (the persona mix).',
    }),
    distanceQuantiles: Type.Array(Type.Number({ minimum: 0 }), {
      minItems: DISTANCE_QUANTILE_POINTS,
      maxItems: DISTANCE_QUANTILE_POINTS,
      description:
        "Quantiles of the training rows' distance to the nearest centroid at 0, 0.001, ..., 1 (linear interpolation, as numpy.quantile).",
    }),
    sampleLabels: Type.Array(Type.Integer({ minimum: 0 }), {
      description: 'Persona id of each reference sample row, in sample order.',
    }),
  },
  {
    description:
      'What drift checks compare with, computed over the training data when the version is trained.',
  },
);
export type ReferenceStats = Static<typeof ReferenceStatsSchema>;

/** Unknown extra fields are allowed: later schema additions are optional fields. */
export const ModelArtifactSchema = Type.Object({
  schemaVersion: Type.Literal(ARTIFACT_SCHEMA_VERSION),
  features: Type.Array(FeatureEncodingSchema, { minItems: 1 }),
  personas: Type.Array(PersonaSchema, { minItems: 1 }),
  metrics: ModelMetricsSchema,
  training: TrainingProvenanceSchema,
  reference: ReferenceSampleSchema,
  referenceStats: Type.Optional(ReferenceStatsSchema),
  model: Type.Optional(
    Type.Object(
      { namespace: Name, name: Name, version: Type.Integer({ minimum: 1 }) },
      { description: 'Filled in when the artifact is registered.' },
    ),
  ),
});
export type ModelArtifact = Static<typeof ModelArtifactSchema>;

/** One scored row: what the scorer produces and the predictor answers. */
export const PredictionSchema = Type.Object({
  persona: Type.String(),
  personaId: Type.Integer(),
  distance: Type.Number({ description: 'Euclidean distance to the nearest centroid in the encoded space.' }),
  confidence: Type.Number({
    description: 'In [0, 1]: how much closer the nearest centroid is than the second nearest.',
  }),
});
export type Prediction = Static<typeof PredictionSchema>;
