// The training spec the operator hands to a training Job (env PERSONA_TRAINING_SPEC as JSON, or
// `persona train --spec FILE`). Parsed strictly: a Job with a bad spec must fail at once with a
// message naming the field, since retrying cannot fix it.
import { Type, type Static } from 'typebox';
import { FeatureTypeSchema, RawValueSchema } from '@persona-operator/core/artifact/types';
import { compileCheck } from '@persona-operator/core/schema/check';
import {
  ALGORITHMS,
  DEFAULT_BATCH_SIZE,
  MAX_TRAINING_PARALLELISM,
  parallelismProblem,
} from '@persona-operator/core/train/algorithm';
import { StringEnum, StringMap } from '@persona-operator/core/schema/types';
import { DATA_CHOICES, DATA_ROLES, TrainingTriggerSchema } from '@persona-operator/registry/lineage';
import { DATA_URL_ENV, RUN_ID_ENV } from './job-env.ts';
import { ObjectRefSchema, only, orThrow, SpecFieldError, specJson, strict, Text } from './spec-fields.ts';

export const DEFAULT_ROW_LIMIT = 5_000_000;

/** A Postgres query the Job reads rows from (training data, or a drift check's current data). */
export const PostgresQuerySchema = Type.Object(
  {
    query: Type.String({ format: 'non-blank', description: 'A SELECT returning the feature columns.' }),
    urlEnv: Type.Optional(
      Type.String({
        format: 'non-blank',
        default: DATA_URL_ENV,
        description: 'Environment variable holding the data database URL (a Secret in the Job).',
      }),
    ),
    rowLimit: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_ROW_LIMIT,
        description: 'Stop with a bad-data error when the query returns more rows than this.',
      }),
    ),
  },
  strict,
);
// Optional in the schema so a bad sibling is reported rather than the missing default (the
// defaults of a union's variant apply only to a value that fits it); always set once parsed.
export type PostgresDataSource = Required<Static<typeof PostgresQuerySchema>>;

const PersonaSeedSchema = Type.Object(
  {
    name: Text(),
    centroid: StringMap(RawValueSchema, { description: 'Raw-unit centroid, keyed by feature name.' }),
  },
  strict,
);
export type PersonaSeed = Static<typeof PersonaSeedSchema>;

/** A training query: the drift query's fields, and the Secret the URL came from, for the lineage. */
const TrainingQuerySchema = Type.Object(
  {
    ...PostgresQuerySchema.properties,
    secretRef: Type.Optional(
      Type.Object(
        { name: Text(), key: Text() },
        { ...strict, description: 'The Secret key the URL in urlEnv came from (recorded, never read).' },
      ),
    ),
  },
  strict,
);
type TrainingQuery = Static<typeof TrainingQuerySchema> &
  Required<Pick<PostgresDataSource, 'urlEnv' | 'rowLimit'>>;

/** ISO 8601 instants with a zone, as Date#toISOString writes them. */
const Instant = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
    description,
  });

const SOURCE_VARIANTS = [
  only('postgres', TrainingQuerySchema),
  only('gcs', Type.Object({ uri: Type.String({ format: 'gs-object' }) }, strict)),
  only('volume', Type.Object({ path: Text() }, strict)),
  only(
    'predictions',
    Type.Object(
      {
        from: Instant("Start of the window of the model's logged predictions (inclusive)."),
        to: Instant('End of the window (exclusive).'),
      },
      strict,
    ),
  ),
] as const;
const DataSourceSchema = Type.Union([...SOURCE_VARIANTS]);
/** One source of training rows. */
export type TrainingDataSource =
  Exclude<Static<typeof DataSourceSchema>, { postgres: unknown }> | { postgres: TrainingQuery };

const DataPartSchema = Type.Object(
  {
    role: StringEnum(DATA_ROLES, { description: 'What the part is, for the lineage.' }),
    source: DataSourceSchema,
  },
  strict,
);
/** One part of the training rows and what it is (model, reference or current data). */
export interface TrainingDataPart {
  role: Static<typeof DataPartSchema>['role'];
  source: TrainingDataSource;
}
/** The parts of a ReferenceAndCurrent retrain: a version's data and the data that drifted. */
export const MAX_DATA_PARTS = 16;

const ArtifactsSchema = Type.Union(
  [
    only('postgres', Type.Unsafe<Record<string, never>>(Type.Object({}, strict))),
    only(
      'gcs',
      Type.Object(
        { bucket: Type.String({ pattern: '^[^/]+$' }), prefix: Type.Optional(Type.String()) },
        strict,
      ),
    ),
    only('volume', Type.Object({ path: Text() }, strict)),
  ],
  { default: { postgres: {} } },
);

const K = Type.Integer({ minimum: 1 });

const TrainingJobSpecSchema = Type.Object(
  {
    model: ObjectRefSchema,
    runId: Type.Optional(
      Type.String({
        format: 'non-blank',
        description: `The idempotency key (the Job's UID); may instead come from --run-id or ${RUN_ID_ENV}.`,
      }),
    ),
    features: Type.Array(
      Type.Object({ name: Text(), type: { ...FeatureTypeSchema, default: 'numeric' } }, strict),
      { minItems: 1 },
    ),
    personas: Type.Optional(Type.Array(PersonaSeedSchema)),
    mode: StringEnum(['fit', 'fixed'], { default: 'fit' }),
    k: Type.Union([only('value', K), Type.Object({ min: K, max: K }, strict)], {
      default: { min: 2, max: 10 },
    }),
    nInit: Type.Integer({ minimum: 1, default: 10 }),
    seed: Type.Integer({ minimum: 0, default: 0 }),
    algorithm: StringEnum(ALGORITHMS, {
      default: 'auto',
      description:
        'lloyd: in memory; minibatch: streamed mini-batch k-means; auto: minibatch above a million rows.',
    }),
    batchSize: Type.Integer({ minimum: 1, default: DEFAULT_BATCH_SIZE, description: 'Rows per mini-batch.' }),
    parallelism: Type.Integer({
      minimum: 1,
      maximum: MAX_TRAINING_PARALLELISM,
      default: 1,
      description:
        'Pods of an Indexed Job sharing the (k, restart) grid; each is told its index by JOB_COMPLETION_INDEX.',
    }),
    data: Type.Union([
      ...SOURCE_VARIANTS,
      only('parts', Type.Array(DataPartSchema, { minItems: 1, maxItems: MAX_DATA_PARTS })),
    ]),
    dataChoice: Type.Optional(
      StringEnum(DATA_CHOICES, {
        default: 'Model',
        description: "Model (the model's own data), Current or ReferenceAndCurrent (a drift retrain).",
      }),
    ),
    trigger: Type.Optional(TrainingTriggerSchema),
    artifacts: ArtifactsSchema,
  },
  strict,
);

/** The spec as the trainer reads it: defaults applied, k always a range. */
export type TrainingJobSpec = Omit<Static<typeof TrainingJobSpecSchema>, 'k' | 'data'> & {
  k: { min: number; max: number };
  data: TrainingDataSource | { parts: TrainingDataPart[] };
};

/** The data as parts: a single source is the model's own data. */
export function dataParts(data: TrainingJobSpec['data']): TrainingDataPart[] {
  return 'parts' in data ? data.parts : [{ role: 'model', source: data }];
}

export class TrainingSpecError extends SpecFieldError {
  constructor(field: string, problem: string) {
    super('training spec', field, problem);
  }
}

const checkShape = compileCheck(TrainingJobSpecSchema, '(spec)', { defaults: true });

function fail(field: string, problem: string): never {
  throw new TrainingSpecError(field, problem);
}

function unique(names: string[], what: string, field: (i: number) => string): void {
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) fail(field(i), `duplicate ${what} ${JSON.stringify(name)}`);
  });
}

// The rules that relate one field to another, which the schema cannot state.
function checkConsistency(spec: TrainingJobSpec): void {
  const { features, personas = [] } = spec;
  unique(
    features.map((f) => f.name),
    'feature',
    (i) => `features[${i}].name`,
  );
  unique(
    personas.map((p) => p.name),
    'persona',
    (i) => `personas[${i}].name`,
  );
  personas.forEach((p, i) => {
    for (const f of features) {
      const field = `personas[${i}].centroid.${f.name}`;
      const value = p.centroid[f.name];
      if (f.type === 'numeric' && typeof value !== 'number')
        fail(field, `expected a number, got ${JSON.stringify(value) ?? 'nothing'}`);
      if (f.type === 'categorical' && typeof value !== 'string') {
        fail(field, `expected a category (string), got ${JSON.stringify(value) ?? 'nothing'}`);
      }
    }
    for (const key of Object.keys(p.centroid)) {
      if (!features.some((f) => f.name === key))
        fail(`personas[${i}].centroid.${key}`, 'not one of the features');
    }
  });
  if (spec.mode === 'fixed' && personas.length === 0)
    fail('personas', 'mode "fixed" needs at least one persona');
  if (spec.k.max < spec.k.min) fail('k.max', `expected >= k.min (${spec.k.min}), got ${spec.k.max}`);
  if (spec.algorithm === 'minibatch' && ('parts' in spec.data || 'predictions' in spec.data)) {
    fail(
      'algorithm',
      'minibatch streams one postgres, gcs or volume source; these data are read whole, use lloyd or auto',
    );
  }
  const split = parallelismProblem(spec);
  if (split) fail('parallelism', split);
  const parts = 'parts' in spec.data;
  dataParts(spec.data).forEach(({ source }, i) => {
    if (!('predictions' in source)) return;
    const field = parts ? `data.parts[${i}].source.predictions` : 'data.predictions';
    const { from, to } = source.predictions;
    if (Date.parse(to) <= Date.parse(from)) fail(`${field}.to`, `expected after from (${from}), got ${to}`);
  });
}

/** Validates a parsed JSON/YAML document as a training spec, applying the defaults. */
export function parseTrainingJobSpec(doc: unknown): TrainingJobSpec {
  const { k, data, ...rest } = orThrow(checkShape(doc), TrainingSpecError);
  const spec: TrainingJobSpec = {
    ...rest,
    k: 'value' in k ? { min: k.value, max: k.value } : k,
    data: data as TrainingJobSpec['data'], // the defaults filled urlEnv and rowLimit
  };
  checkConsistency(spec);
  return spec;
}

/** Parses JSON text (the env var or the file), reporting malformed JSON as a spec error. */
export function parseTrainingJobSpecJson(text: string, source: string): TrainingJobSpec {
  return parseTrainingJobSpec(specJson(text, source, TrainingSpecError));
}
