// The drift spec the operator hands to a drift Job (env PERSONA_DRIFT_SPEC as JSON, or
// `persona drift --spec FILE`). Parsed strictly, like the training spec: a Job with a bad spec
// must fail at once with a message naming the field, since retrying cannot fix it.
import { Type, type Static } from 'typebox';
import {
  DRIFT_TEST_GROUPS,
  DriftInputError,
  TEST_NAMES,
  validateOptions,
} from '@persona-operator/core/drift/choose';
import { compileCheck } from '@persona-operator/core/schema/check';
import { StringEnum, StringMap } from '@persona-operator/core/schema/types';
import { DEFAULT_ROW_LIMIT, PostgresQuerySchema, type PostgresDataSource } from './training-spec.ts';
import { ObjectRefSchema, only, orThrow, SpecFieldError, specJson, strict, Text } from './spec-fields.ts';

export { DEFAULT_ROW_LIMIT };

export type ObjectRef = Static<typeof ObjectRefSchema>;
export type { PostgresDataSource as PostgresCurrentData } from './training-spec.ts';

/** Where the current data comes from: exactly one source. */
const CurrentDataSchema = Type.Union([
  only('postgres', PostgresQuerySchema),
  only(
    'predictions',
    Type.Object(
      {
        windowSeconds: Type.Integer({
          minimum: 1,
          description:
            "The predictor's logged traffic (the registry's prediction_log) over this last window.",
        }),
      },
      strict,
    ),
  ),
]);
export type CurrentDataSource =
  Exclude<Static<typeof CurrentDataSchema>, { postgres: unknown }> | { postgres: PostgresDataSource };

const TestChoiceSchema = StringEnum(['auto', ...TEST_NAMES]);
const TestGroupSchema = StringEnum(DRIFT_TEST_GROUPS);

const DriftTestsSchema = Type.Object(
  {
    numeric: Type.Optional(TestChoiceSchema),
    categorical: Type.Optional(TestChoiceSchema),
    threshold: Type.Optional(Type.Number()),
    numericThreshold: Type.Optional(Type.Number()),
    categoricalThreshold: Type.Optional(Type.Number()),
    perFeature: Type.Optional(
      StringMap(
        Type.Object(
          { test: Type.Optional(TestChoiceSchema), threshold: Type.Optional(Type.Number()) },
          strict,
        ),
      ),
    ),
    driftShare: Type.Optional(Type.Number()),
    personaMix: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          test: Type.Optional(TestChoiceSchema),
          threshold: Type.Optional(Type.Number()),
        },
        strict,
      ),
    ),
    novelty: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          percentile: Type.Optional(Type.Number()),
          maxShare: Type.Optional(Type.Number()),
        },
        strict,
      ),
    ),
    perPersona: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          minRows: Type.Optional(Type.Integer()),
          falseAlarmRate: Type.Optional(Type.Number()),
        },
        strict,
      ),
    ),
    driftWhen: Type.Optional(
      Type.Union([only('anyOf', Type.Array(TestGroupSchema)), only('allOf', Type.Array(TestGroupSchema))]),
    ),
  },
  strict,
);

const DriftJobSpecSchema = Type.Object(
  {
    monitor: {
      ...ObjectRefSchema,
      description: 'The DriftMonitor; reports are stored under "<namespace>/<name>".',
    },
    model: { ...ObjectRefSchema, description: 'The PersonaModel whose production version is the reference.' },
    current: CurrentDataSchema,
    tests: Type.Optional(DriftTestsSchema),
    runId: Type.Optional(Text()),
  },
  strict,
);
/** The spec as the drift Job reads it, defaults applied. */
export type DriftJobSpec = Omit<Static<typeof DriftJobSpecSchema>, 'current'> & {
  current: CurrentDataSource;
};

export class DriftSpecError extends SpecFieldError {
  constructor(field: string, problem: string) {
    super('drift spec', field, problem);
  }
}

const checkShape = compileCheck(DriftJobSpecSchema, '(spec)', { defaults: true });

/** Validates a parsed JSON/YAML document as a drift spec, applying the defaults. */
export function parseDriftJobSpec(doc: unknown): DriftJobSpec {
  // The defaults filled urlEnv and rowLimit of a postgres source.
  const spec = orThrow(checkShape(doc), DriftSpecError) as DriftJobSpec;
  // The statistics module owns the rules between tests and thresholds (thresholds >= 0, a test
  // defined for the type, driftShare in (0, 1]); its messages already name the tests.* field.
  if (spec.tests) {
    try {
      validateOptions(spec.tests);
    } catch (err) {
      if (!(err instanceof DriftInputError)) throw err;
      const field = /^(tests\.[\w.-]+)/.exec(err.message)?.[1] ?? 'tests';
      const problem = err.message.startsWith(field)
        ? err.message.slice(field.length).replace(/^[\s:]+/, '')
        : err.message;
      throw new DriftSpecError(field, problem);
    }
  }
  return spec;
}

/** Parses JSON text (the env var or the file), reporting malformed JSON as a spec error. */
export function parseDriftJobSpecJson(text: string, source: string): DriftJobSpec {
  return parseDriftJobSpec(specJson(text, source, DriftSpecError));
}
