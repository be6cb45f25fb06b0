// PersonaModel (personas.dtc.dev/v1alpha1): the published contract. The schemas below are the
// one source of the CRD's openAPIV3Schema and of the TypeScript types.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { Type, type Static } from 'typebox';
import { StringEnum, StringMap } from '@persona-operator/core/schema/types';
import {
  ALGORITHMS,
  AUTO_MINIBATCH_ROWS,
  DEFAULT_BATCH_SIZE,
  MAX_TRAINING_PARALLELISM,
} from '@persona-operator/core/train/algorithm';
import {
  API_VERSION,
  cron,
  emptyObject,
  intOrString,
  objectMetaSchema,
  resources,
  secretKeyRef,
  typeMetaProperties,
} from './common.ts';
import { PersonaModelStatusSchema, type PersonaModelStatus } from './personamodel-status.ts';

export type * from './personamodel-status.ts';

export const PERSONA_MODEL_KIND = 'PersonaModel';
export const PERSONA_MODEL_PLURAL = 'personamodels';

const NAME_MAX = 63;
const LIST_MAX = 64;
const PERSONAS_MAX = 32;

// ---- spec ------------------------------------------------------------------------------------

const FeatureTypeSchema = StringEnum(['numeric', 'categorical'], {
  default: 'numeric',
  description: 'numeric: standardised; categorical: one-hot encoded by the trainer.',
});
export type FeatureType = Static<typeof FeatureTypeSchema>;

const FeatureDeclSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: NAME_MAX,
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'Column name in the training data.',
    }),
    type: Type.Optional(FeatureTypeSchema),
  },
  { description: 'One feature column.' },
);
export type FeatureDecl = Static<typeof FeatureDeclSchema>;

// Two maps rather than one of mixed values: CEL cannot type a map whose values are
// "number or string", and the spec's rules must see the keys.
const PersonaDeclSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: NAME_MAX,
      description: 'Name of the persona; a trained cluster near this centroid keeps it.',
    }),
    centroid: StringMap(Type.Number({ description: 'Raw-unit value of the feature.' }), {
      maxProperties: LIST_MAX,
      description: 'Centroid in raw units over the numeric features, keyed by feature name.',
    }),
    categories: Type.Optional(
      StringMap(Type.String({ maxLength: 253, description: 'A category of the feature.' }), {
        maxProperties: LIST_MAX,
        description: "The persona's category of each categorical feature, keyed by feature name.",
      }),
    ),
  },
  { description: 'A pre-defined persona.' },
);
export type PersonaDecl = Static<typeof PersonaDeclSchema>;

const PostgresDataSourceSchema = Type.Object(
  {
    secretRef: secretKeyRef('Secret key holding the URL of the database to read the training rows from.'),
    query: Type.String({
      minLength: 1,
      maxLength: 65536,
      description: 'SELECT returning the feature columns.',
    }),
  },
  { description: 'Read the training rows from a Postgres query.' },
);
export type PostgresDataSource = Static<typeof PostgresDataSourceSchema>;

const GcsDataSourceSchema = Type.Object(
  {
    uri: Type.String({
      maxLength: 2048,
      pattern: '^gs://[a-z0-9][-_.a-z0-9]*/.+$',
      description: 'gs://bucket/object of a CSV file with a header row naming the feature columns.',
    }),
    secretRef: Type.Optional(
      secretKeyRef('Secret key holding a service-account JSON key; unset uses workload identity.'),
    ),
  },
  { description: 'Read the training rows from a CSV object in Google Cloud Storage.' },
);
export type GcsDataSource = Static<typeof GcsDataSourceSchema>;

const TrainingDataSchema = Type.Object(
  { postgres: Type.Optional(PostgresDataSourceSchema), gcs: Type.Optional(GcsDataSourceSchema) },
  {
    description: 'Where the training rows come from: exactly one source.',
    'x-kubernetes-validations': [
      {
        rule: '(has(self.postgres) ? 1 : 0) + (has(self.gcs) ? 1 : 0) == 1',
        message: 'exactly one data source (postgres or gcs) must be set',
      },
    ],
  },
);
export type TrainingData = Static<typeof TrainingDataSchema>;

const kBound = (description: string) => Type.Optional(Type.Integer({ minimum: 2, maximum: 50, description }));

const DEFAULT_K = { min: 2, max: 10 };
const DEFAULT_N_INIT = 10;

const KRangeSchema = Type.Object(
  {
    min: kBound('Smallest number of clusters tried.'),
    max: kBound('Largest number of clusters tried.'),
    value: kBound('Exactly this number of clusters.'),
  },
  {
    default: DEFAULT_K,
    description: 'Number of clusters: a range {min, max} to sweep, or {value}.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.value) ? !has(self.min) && !has(self.max) : has(self.min) && has(self.max)',
        message: 'set either value, or both min and max',
      },
      { rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'min must be <= max' },
    ],
  },
);
export type KRange = Static<typeof KRangeSchema>;

const TrainingModeSchema = StringEnum(['fit', 'fixed'], {
  default: 'fit',
  description: 'fit: k-means; fixed: serve the pre-defined personas as they are.',
});
export type TrainingMode = Static<typeof TrainingModeSchema>;

// The training rules over parallelism, in CEL: one pod, or the (k, restart) grid's size.
const ONE_POD = '!has(self.parallelism) || self.parallelism == 1';
const K_VALUES = `(!has(self.k) ? ${DEFAULT_K.max - DEFAULT_K.min + 1} : has(self.k.value) ? 1 : (has(self.k.min) && has(self.k.max)) ? self.k.max - self.k.min + 1 : 1)`;
const GRID_SIZE = `(${K_VALUES} * (has(self.nInit) ? self.nInit : ${DEFAULT_N_INIT}))`;

const TrainingSpecSchema = Type.Object(
  {
    data: TrainingDataSchema,
    mode: Type.Optional(TrainingModeSchema),
    k: Type.Optional(KRangeSchema),
    nInit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: DEFAULT_N_INIT,
        description: 'k-means runs per k with different seeds; the best one is kept.',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2147483647,
        default: 0,
        description: 'Random seed: the same data and seed train the same model.',
      }),
    ),
    algorithm: Type.Optional(
      StringEnum(ALGORITHMS, {
        default: 'auto',
        description: `lloyd: k-means on the rows held in memory; minibatch: mini-batch k-means streaming the rows, for data larger than the pod's memory; auto: minibatch above ${AUTO_MINIBATCH_ROWS} rows, else lloyd.`,
      }),
    ),
    batchSize: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000000,
        default: DEFAULT_BATCH_SIZE,
        description: 'Rows per mini-batch (algorithm minibatch); at most the number of training rows.',
      }),
    ),
    parallelism: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_TRAINING_PARALLELISM,
        default: 1,
        description:
          'Pods the k sweep is split over (an Indexed Job): each fits its share of the (k, restart) grid, and the pod that completes the grid chooses k and registers the version. At most the grid size, (k.max - k.min + 1) x nInit; above 1 it needs mode fit and algorithm lloyd.',
      }),
    ),
    schedule: Type.Optional(cron('Retrain on this cron schedule (five fields, UTC), e.g. "0 3 * * 1".')),
    resources: Type.Optional(resources('Compute resources of the training container.')),
    backoffLimit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 20,
        default: 2,
        description: 'Retries of a failed training pod before the run fails.',
      }),
    ),
    activeDeadlineSeconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 604800,
        default: 3600,
        description: 'A training run still going after this many seconds is stopped and fails.',
      }),
    ),
    ttlSecondsAfterFinished: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 2592000,
        default: 86400,
        description: 'A finished training Job is deleted this many seconds after it ends.',
      }),
    ),
  },
  {
    description: 'How and when models are trained.',
    'x-kubernetes-validations': [
      {
        rule: `${ONE_POD} || !has(self.mode) || self.mode == 'fit'`,
        fieldPath: '.parallelism',
        message:
          'spec.training.parallelism must be 1 with mode fixed: pre-defined personas are no grid to split (grid size 1)',
      },
      {
        rule: `${ONE_POD} || (has(self.algorithm) && self.algorithm == 'lloyd')`,
        fieldPath: '.parallelism',
        message:
          "spec.training.parallelism above 1 needs algorithm lloyd: the pods split Lloyd's (k, restart) grid, while minibatch (which auto may choose) streams the rows in one pod",
      },
      {
        rule: `${ONE_POD} || self.parallelism <= ${GRID_SIZE}`,
        fieldPath: '.parallelism',
        // A static message: a messageExpression building the number in is beyond the API server's cost budget.
        message:
          'spec.training.parallelism must be at most the grid size, (k.max - k.min + 1) x nInit: one pod per (k, restart) fit at most',
      },
    ],
  },
);
export type TrainingSpec = Static<typeof TrainingSpecSchema>;

const PromotionPolicySchema = StringEnum(['Automatic', 'Manual'], {
  default: 'Automatic',
  description: 'Automatic: a version that passes the gates becomes production; Manual: never automatically.',
});
export type PromotionPolicy = Static<typeof PromotionPolicySchema>;

const PromotionSpecSchema = Type.Object(
  {
    policy: Type.Optional(PromotionPolicySchema),
    minSilhouette: Type.Optional(
      Type.Number({
        minimum: -1,
        maximum: 1,
        default: 0.25,
        description: 'A new version needs at least this silhouette score to be promoted.',
      }),
    ),
    requireImprovement: Type.Optional(
      Type.Boolean({
        default: true,
        description: "A new version must score >= production's silhouette minus tolerance.",
      }),
    ),
    tolerance: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 2,
        default: 0.01,
        description: 'How much lower than production a new silhouette may be when requireImprovement is set.',
      }),
    ),
    maxPersonaChurn: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 1,
        description:
          "Largest share of rows that may change persona between production and a new version (the persona diff's churn); 1 allows any.",
      }),
    ),
    allowPersonaChanges: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'Whether a version with new, retired, split or merged personas (against production) may be promoted automatically.',
      }),
    ),
  },
  { default: {}, description: 'When a newly trained version becomes the production version.' },
);
export type PromotionSpec = Static<typeof PromotionSpecSchema>;

const AutoscalingSpecSchema = Type.Object(
  {
    minReplicas: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 1, description: 'Fewest predictor pods.' }),
    ),
    maxReplicas: Type.Integer({ minimum: 1, maximum: 100, description: 'Most predictor pods.' }),
    targetCPUUtilizationPercentage: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        default: 80,
        description: 'Average CPU use, in percent of the request, the autoscaler aims for.',
      }),
    ),
  },
  {
    description: 'Scale the predictor with a HorizontalPodAutoscaler on CPU use.',
    'x-kubernetes-validations': [
      { rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must be <= maxReplicas' },
    ],
  },
);
export type AutoscalingSpec = Static<typeof AutoscalingSpecSchema>;

const INT_OR_PERCENT = '^([0-9]+%?)$';

const DisruptionBudgetSpecSchema = Type.Object(
  {
    minAvailable: Type.Optional(
      intOrString(INT_OR_PERCENT, {
        description: 'Predictor pods (a number or a percentage) kept through disruptions.',
      }),
    ),
    maxUnavailable: Type.Optional(
      intOrString(INT_OR_PERCENT, {
        description: 'Predictor pods (a number or a percentage) that may be down during disruptions.',
      }),
    ),
  },
  {
    description: 'A PodDisruptionBudget for the predictor pods.',
    'x-kubernetes-validations': [
      {
        rule: 'has(self.minAvailable) != has(self.maxUnavailable)',
        message: 'set exactly one of minAvailable and maxUnavailable',
      },
    ],
  },
);
export type DisruptionBudgetSpec = Static<typeof DisruptionBudgetSpecSchema>;

const ServingSpecSchema = Type.Object(
  {
    replicas: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        default: 2,
        description: 'Predictor pods. Ignored when autoscaling is set.',
      }),
    ),
    autoscaling: Type.Optional(AutoscalingSpecSchema),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Serve exactly this version (manual promotion, rollback); unset serves production.',
      }),
    ),
    logPredictions: Type.Optional(
      Type.Boolean({
        default: false,
        description: "Log every prediction to the registry (the drift monitors' predictions source).",
      }),
    ),
    resources: Type.Optional(resources('Compute resources of the predictor container.')),
    podDisruptionBudget: Type.Optional(DisruptionBudgetSpecSchema),
    progressDeadlineSeconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 3600,
        default: 300,
        description: 'A version whose pods are not ready by then is rolled back.',
      }),
    ),
  },
  { default: {}, description: 'How the predictor serving the model runs.' },
);
export type ServingSpec = Static<typeof ServingSpecSchema>;

const RegistrySpecSchema = Type.Object(
  { secretRef: secretKeyRef('Secret key holding the registry database URL.') },
  { description: "Registry database URL; defaults to the operator's configuration." },
);
export type RegistrySpec = Static<typeof RegistrySpecSchema>;

const ArtifactsSpecSchema = Type.Object(
  {
    postgres: Type.Optional(emptyObject('Store artifacts in the registry database.')),
    gcs: Type.Optional(
      Type.Object(
        {
          bucket: Type.String({ minLength: 3, maxLength: 222, description: 'Name of the bucket.' }),
          prefix: Type.Optional(
            Type.String({
              maxLength: 1024,
              default: '',
              description: 'Object name prefix, e.g. "personas/".',
            }),
          ),
          secretRef: Type.Optional(
            secretKeyRef('Secret key holding a service-account JSON key; unset uses workload identity.'),
          ),
        },
        { description: 'Store artifacts in a Google Cloud Storage bucket.' },
      ),
    ),
    volume: Type.Optional(
      Type.Object(
        {
          claimName: Type.String({
            minLength: 1,
            maxLength: 253,
            description: 'PersistentVolumeClaim (ReadWriteMany) mounted by the training and predictor pods.',
          }),
          path: Type.Optional(
            Type.String({
              maxLength: 1024,
              default: '/artifacts',
              pattern: '^/',
              description: 'Directory the volume is mounted at.',
            }),
          ),
        },
        { description: 'Store artifacts on a shared volume.' },
      ),
    ),
  },
  {
    default: { postgres: {} },
    description: 'Where artifacts are stored: exactly one of postgres (the registry), gcs, volume.',
    'x-kubernetes-validations': [
      {
        rule: '(has(self.postgres) ? 1 : 0) + (has(self.gcs) ? 1 : 0) + (has(self.volume) ? 1 : 0) == 1',
        message: 'exactly one artifact store (postgres, gcs or volume) must be set',
      },
    ],
  },
);
export type ArtifactsSpec = Static<typeof ArtifactsSpecSchema>;

export const PersonaModelSpecSchema = Type.Object(
  {
    features: Type.Array(FeatureDeclSchema, {
      minItems: 1,
      maxItems: LIST_MAX,
      description: 'Ordered feature columns.',
      'x-kubernetes-validations': [
        {
          rule: 'self.all(f, self.exists_one(g, g.name == f.name))',
          message: 'feature names must be unique',
        },
      ],
    }),
    personas: Type.Optional(
      Type.Array(PersonaDeclSchema, {
        maxItems: PERSONAS_MAX,
        description: 'Pre-defined personas; their names are kept across retrains.',
        'x-kubernetes-validations': [
          {
            rule: 'self.all(p, self.exists_one(q, q.name == p.name))',
            message: 'persona names must be unique',
          },
        ],
      }),
    ),
    training: TrainingSpecSchema,
    promotion: Type.Optional(PromotionSpecSchema),
    serving: Type.Optional(ServingSpecSchema),
    registry: Type.Optional(RegistrySpecSchema),
    artifacts: Type.Optional(ArtifactsSpecSchema),
  },
  {
    description: 'The model wanted: its features, how it is trained, promoted and served.',
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
  },
);
export type PersonaModelSpec = Static<typeof PersonaModelSpecSchema>;

export const PersonaModelSchema = Type.Object(
  {
    ...typeMetaProperties,
    metadata: Type.Optional(objectMetaSchema),
    spec: PersonaModelSpecSchema,
    status: Type.Optional(PersonaModelStatusSchema),
  },
  {
    description:
      'A customer-persona model: trained from a data source, versioned in the registry, promoted by quality gates and served by a predictor.',
    'x-kubernetes-validations': [
      {
        // The name prefixes the Job, Deployment and Service names; Services need DNS-1035 labels.
        rule: "self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message:
          'metadata.name must start with a letter, hold only lowercase letters, digits and "-", and be at most 40 characters',
      },
    ],
  },
);

export interface PersonaModel extends KubernetesObject {
  apiVersion: typeof API_VERSION;
  kind: typeof PERSONA_MODEL_KIND;
  metadata: V1ObjectMeta;
  spec: PersonaModelSpec;
  status?: PersonaModelStatus;
}
