// PersonaModel (personas.dtc.dev/v1alpha1): the published contract of DESIGN.md section 3.
// The schema literals below are the single source of the CRD; the interfaces are checked
// against them at compile time (operator/test/api/types-match-schema.test.ts).
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { JSONSchemaProps } from '../schema.ts';
import {
  API_VERSION,
  conditionsSchema,
  cronSchema,
  resourcesSchema,
  secretKeyRefSchema,
  type Condition,
  type ResourceRequirements,
  type SecretKeyRef,
} from './common.ts';

export const PERSONA_MODEL_KIND = 'PersonaModel';
export const PERSONA_MODEL_PLURAL = 'personamodels';

// ---- TypeScript types -------------------------------------------------------------------

export type FeatureType = 'numeric' | 'categorical';

export interface FeatureDecl {
  name: string;
  type?: FeatureType;
}

export interface PersonaDecl {
  name: string;
  /** Raw-unit centroid over the numeric features. */
  centroid: Record<string, number>;
  /** The persona's category for categorical features. */
  categories?: Record<string, string>;
}

export interface PostgresDataSource {
  secretRef: SecretKeyRef;
  query: string;
}

export interface GcsDataSource {
  uri: string;
  secretRef?: SecretKeyRef;
}

export interface TrainingData {
  postgres?: PostgresDataSource;
  gcs?: GcsDataSource;
}

export interface KRange {
  min?: number;
  max?: number;
  value?: number;
}

export type TrainingMode = 'fit' | 'fixed';

export interface TrainingSpec {
  data: TrainingData;
  mode?: TrainingMode;
  k?: KRange;
  nInit?: number;
  seed?: number;
  schedule?: string;
  resources?: ResourceRequirements;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
}

export type PromotionPolicy = 'Automatic' | 'Manual';

export interface PromotionSpec {
  policy?: PromotionPolicy;
  minSilhouette?: number;
  requireImprovement?: boolean;
  tolerance?: number;
}

export interface AutoscalingSpec {
  minReplicas?: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
}

export interface DisruptionBudgetSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

export interface ServingSpec {
  replicas?: number;
  autoscaling?: AutoscalingSpec;
  version?: number;
  logPredictions?: boolean;
  resources?: ResourceRequirements;
  podDisruptionBudget?: DisruptionBudgetSpec;
  progressDeadlineSeconds?: number;
}

export interface RegistrySpec {
  secretRef: SecretKeyRef;
}

export interface ArtifactsSpec {
  postgres?: Record<string, never>;
  gcs?: { bucket: string; prefix?: string; secretRef?: SecretKeyRef };
  volume?: { claimName: string; path?: string };
}

export interface PersonaModelSpec {
  features: FeatureDecl[];
  personas?: PersonaDecl[];
  training: TrainingSpec;
  promotion?: PromotionSpec;
  serving?: ServingSpec;
  registry?: RegistrySpec;
  artifacts?: ArtifactsSpec;
}

export type PersonaModelPhase = 'Pending' | 'Training' | 'Serving' | 'Degraded' | 'Failed';
export type TrainingResult = 'Running' | 'Succeeded' | 'Failed';
export type PromotionDecision = 'Promoted' | 'Refused' | 'AwaitingManual';

export interface TrainingMetricsStatus {
  k?: number;
  silhouette?: number;
  inertia?: number;
}

export interface LastTrainingStatus {
  jobName: string;
  /** Hash of the training inputs (and retrain token) this Job was made for. */
  inputsHash: string;
  /** Why the operator trained: the trigger policy's reason. */
  trigger?: string;
  startTime?: string;
  completionTime?: string;
  result: TrainingResult;
  message?: string;
  version?: number;
  metrics?: TrainingMetricsStatus;
}

export interface PromotionStatus {
  version: number;
  decision: PromotionDecision;
  reason: string;
  time?: string;
}

export interface RolloutStatus {
  targetVersion?: number;
  startTime?: string;
  /** A version whose pods did not become ready in time; not tried again for the same spec. */
  failedVersion?: number;
  message?: string;
}

export interface PersonaModelStatus {
  observedGeneration?: number;
  phase?: PersonaModelPhase;
  conditions?: Condition[];
  latestVersion?: number;
  productionVersion?: number;
  servingVersion?: number;
  lastTraining?: LastTrainingStatus;
  lastPromotion?: PromotionStatus;
  rollout?: RolloutStatus;
  /** The last `personas.dtc.dev/retrain` token acted upon. */
  retrainToken?: string;
  endpoint?: string;
}

export interface PersonaModel extends KubernetesObject {
  apiVersion: typeof API_VERSION;
  kind: typeof PERSONA_MODEL_KIND;
  metadata: V1ObjectMeta;
  spec: PersonaModelSpec;
  status?: PersonaModelStatus;
}

// ---- schema -------------------------------------------------------------------------------

const NAME_MAX = 63;
const LIST_MAX = 64;

const featureSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: NAME_MAX,
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'Column name in the training data.',
    },
    type: {
      type: 'string',
      enum: ['numeric', 'categorical'],
      default: 'numeric',
      description: 'numeric: standardised; categorical: one-hot encoded by the trainer.',
    },
  },
} as const satisfies JSONSchemaProps;

const PERSONAS_MAX = 32;

const personaSchema = {
  type: 'object',
  required: ['name', 'centroid'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: NAME_MAX },
    // Two maps rather than one of mixed values: CEL cannot type a map whose values are
    // "number or string", and the rules below must see the keys.
    centroid: {
      type: 'object',
      description: 'Centroid in raw units over the numeric features, keyed by feature name.',
      maxProperties: LIST_MAX,
      additionalProperties: { type: 'number' },
    },
    categories: {
      type: 'object',
      description: "The persona's category of each categorical feature, keyed by feature name.",
      maxProperties: LIST_MAX,
      additionalProperties: { type: 'string', maxLength: 253 },
    },
  },
} as const satisfies JSONSchemaProps;

const trainingSchema = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      description: 'Where the training rows come from: exactly one source.',
      properties: {
        postgres: {
          type: 'object',
          required: ['secretRef', 'query'],
          properties: {
            secretRef: secretKeyRefSchema,
            query: {
              type: 'string',
              minLength: 1,
              maxLength: 65536,
              description: 'SELECT returning the feature columns.',
            },
          },
        },
        gcs: {
          type: 'object',
          required: ['uri'],
          properties: {
            uri: { type: 'string', maxLength: 2048, pattern: '^gs://[a-z0-9][-_.a-z0-9]*/.+$' },
            secretRef: secretKeyRefSchema,
          },
        },
      },
      'x-kubernetes-validations': [
        {
          rule: '(has(self.postgres) ? 1 : 0) + (has(self.gcs) ? 1 : 0) == 1',
          message: 'exactly one data source (postgres or gcs) must be set',
        },
      ],
    },
    mode: {
      type: 'string',
      enum: ['fit', 'fixed'],
      default: 'fit',
      description: 'fit: k-means; fixed: serve the pre-defined personas as they are.',
    },
    k: {
      type: 'object',
      default: { min: 2, max: 10 },
      description: 'Number of clusters: a range {min, max} to sweep, or {value}.',
      properties: {
        min: { type: 'integer', minimum: 2, maximum: 50 },
        max: { type: 'integer', minimum: 2, maximum: 50 },
        value: { type: 'integer', minimum: 2, maximum: 50 },
      },
      'x-kubernetes-validations': [
        {
          rule: 'has(self.value) ? !has(self.min) && !has(self.max) : has(self.min) && has(self.max)',
          message: 'set either value, or both min and max',
        },
        { rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'min must be <= max' },
      ],
    },
    nInit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    seed: { type: 'integer', minimum: 0, maximum: 2147483647, default: 0 },
    schedule: cronSchema,
    resources: resourcesSchema,
    backoffLimit: { type: 'integer', minimum: 0, maximum: 20, default: 2 },
    activeDeadlineSeconds: { type: 'integer', minimum: 10, maximum: 604800, default: 3600 },
    ttlSecondsAfterFinished: { type: 'integer', minimum: 0, maximum: 2592000, default: 86400 },
  },
} as const satisfies JSONSchemaProps;

const promotionSchema = {
  type: 'object',
  default: {},
  properties: {
    policy: { type: 'string', enum: ['Automatic', 'Manual'], default: 'Automatic' },
    minSilhouette: { type: 'number', minimum: -1, maximum: 1, default: 0.25 },
    requireImprovement: {
      type: 'boolean',
      default: true,
      description: "A new version must score >= production's silhouette minus tolerance.",
    },
    tolerance: { type: 'number', minimum: 0, maximum: 2, default: 0.01 },
  },
} as const satisfies JSONSchemaProps;

const intOrPercent = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: '^([0-9]+%?)$',
} as const satisfies JSONSchemaProps;

const servingSchema = {
  type: 'object',
  default: {},
  properties: {
    replicas: {
      type: 'integer',
      minimum: 0,
      maximum: 100,
      default: 2,
      description: 'Ignored when autoscaling is set.',
    },
    autoscaling: {
      type: 'object',
      required: ['maxReplicas'],
      properties: {
        minReplicas: { type: 'integer', minimum: 1, maximum: 100, default: 1 },
        maxReplicas: { type: 'integer', minimum: 1, maximum: 100 },
        targetCPUUtilizationPercentage: { type: 'integer', minimum: 1, maximum: 100, default: 80 },
      },
      'x-kubernetes-validations': [
        { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must be <= maxReplicas' },
      ],
    },
    version: {
      type: 'integer',
      minimum: 1,
      description: 'Serve exactly this version (manual promotion, rollback); unset serves production.',
    },
    logPredictions: { type: 'boolean', default: false },
    resources: resourcesSchema,
    podDisruptionBudget: {
      type: 'object',
      properties: { minAvailable: intOrPercent, maxUnavailable: intOrPercent },
      'x-kubernetes-validations': [
        {
          rule: 'has(self.minAvailable) != has(self.maxUnavailable)',
          message: 'set exactly one of minAvailable and maxUnavailable',
        },
      ],
    },
    progressDeadlineSeconds: {
      type: 'integer',
      minimum: 10,
      maximum: 3600,
      default: 300,
      description: 'A version whose pods are not ready by then is rolled back.',
    },
  },
} as const satisfies JSONSchemaProps;

const artifactsSchema = {
  type: 'object',
  default: { postgres: {} },
  description: 'Where artifacts are stored: exactly one of postgres (the registry), gcs, volume.',
  properties: {
    postgres: { type: 'object' },
    gcs: {
      type: 'object',
      required: ['bucket'],
      properties: {
        bucket: { type: 'string', minLength: 3, maxLength: 222 },
        prefix: { type: 'string', maxLength: 1024, default: '' },
        secretRef: secretKeyRefSchema,
      },
    },
    volume: {
      type: 'object',
      required: ['claimName'],
      properties: {
        claimName: { type: 'string', minLength: 1, maxLength: 253 },
        path: { type: 'string', maxLength: 1024, default: '/artifacts', pattern: '^/' },
      },
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '(has(self.postgres) ? 1 : 0) + (has(self.gcs) ? 1 : 0) + (has(self.volume) ? 1 : 0) == 1',
      message: 'exactly one artifact store (postgres, gcs or volume) must be set',
    },
  ],
} as const satisfies JSONSchemaProps;

export const personaModelSpecSchema = {
  type: 'object',
  required: ['features', 'training'],
  properties: {
    features: {
      type: 'array',
      minItems: 1,
      maxItems: LIST_MAX,
      description: 'Ordered feature columns.',
      items: featureSchema,
      'x-kubernetes-validations': [
        {
          rule: 'self.all(f, self.exists_one(g, g.name == f.name))',
          message: 'feature names must be unique',
        },
      ],
    },
    personas: {
      type: 'array',
      maxItems: PERSONAS_MAX,
      description: 'Pre-defined personas; their names are kept across retrains.',
      items: personaSchema,
      'x-kubernetes-validations': [
        {
          rule: 'self.all(p, self.exists_one(q, q.name == p.name))',
          message: 'persona names must be unique',
        },
      ],
    },
    training: trainingSchema,
    promotion: promotionSchema,
    serving: servingSchema,
    registry: {
      type: 'object',
      required: ['secretRef'],
      description: "Registry database URL; defaults to the operator's configuration.",
      properties: { secretRef: secretKeyRefSchema },
    },
    artifacts: artifactsSchema,
  },
  'x-kubernetes-validations': [
    {
      rule: "!has(self.personas) || self.personas.all(p, p.centroid.all(k, self.features.exists(f, f.name == k && (!has(f.type) || f.type == 'numeric'))))",
      fieldPath: '.personas',
      message: 'a persona centroid names a feature that is not a numeric feature in spec.features',
    },
    {
      rule: "!has(self.personas) || self.personas.all(p, !has(p.categories) || p.categories.all(k, self.features.exists(f, f.name == k && has(f.type) && f.type == 'categorical')))",
      fieldPath: '.personas',
      message: 'persona categories name a feature that is not a categorical feature in spec.features',
    },
    {
      rule: "!has(self.training.mode) || self.training.mode != 'fixed' || (has(self.personas) && size(self.personas) > 0 && self.personas.all(p, self.features.all(f, (has(f.type) && f.type == 'categorical') ? (has(p.categories) && f.name in p.categories) : f.name in p.centroid)))",
      fieldPath: '.personas',
      message: 'training.mode fixed needs personas that give a value for every feature',
    },
  ],
} as const satisfies JSONSchemaProps;

const trainingMetricsSchema = {
  type: 'object',
  properties: {
    k: { type: 'integer' },
    silhouette: { type: 'number' },
    inertia: { type: 'number' },
  },
} as const satisfies JSONSchemaProps;

export const personaModelStatusSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer' },
    phase: { type: 'string', enum: ['Pending', 'Training', 'Serving', 'Degraded', 'Failed'] },
    conditions: conditionsSchema,
    latestVersion: { type: 'integer' },
    productionVersion: { type: 'integer' },
    servingVersion: { type: 'integer' },
    lastTraining: {
      type: 'object',
      required: ['jobName', 'inputsHash', 'result'],
      properties: {
        jobName: { type: 'string' },
        inputsHash: { type: 'string' },
        trigger: { type: 'string' },
        startTime: { type: 'string', format: 'date-time' },
        completionTime: { type: 'string', format: 'date-time' },
        result: { type: 'string', enum: ['Running', 'Succeeded', 'Failed'] },
        message: { type: 'string' },
        version: { type: 'integer' },
        metrics: trainingMetricsSchema,
      },
    },
    lastPromotion: {
      type: 'object',
      required: ['version', 'decision', 'reason'],
      properties: {
        version: { type: 'integer' },
        decision: { type: 'string', enum: ['Promoted', 'Refused', 'AwaitingManual'] },
        reason: { type: 'string' },
        time: { type: 'string', format: 'date-time' },
      },
    },
    rollout: {
      type: 'object',
      properties: {
        targetVersion: { type: 'integer' },
        startTime: { type: 'string', format: 'date-time' },
        failedVersion: { type: 'integer' },
        message: { type: 'string' },
      },
    },
    retrainToken: { type: 'string' },
    endpoint: { type: 'string' },
  },
} as const satisfies JSONSchemaProps;

export const personaModelSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: personaModelSpecSchema,
    status: personaModelStatusSchema,
  },
  'x-kubernetes-validations': [
    {
      // The name prefixes the Job, Deployment and Service names; Services need DNS-1035 labels.
      rule: "self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
      message:
        'metadata.name must start with a letter, hold only lowercase letters, digits and "-", and be at most 40 characters',
    },
  ],
} as const satisfies JSONSchemaProps;
