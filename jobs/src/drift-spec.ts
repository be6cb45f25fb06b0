// The drift spec the operator hands to a drift Job (env PERSONA_DRIFT_SPEC as JSON, or
// `persona drift --spec FILE`). Parsed strictly, like the training spec: a Job with a bad spec
// must fail at once with a message naming the field, since retrying cannot fix it.
import { DEFAULT_DATA_URL_ENV, DEFAULT_ROW_LIMIT } from './training-spec.ts';
import {
  DriftInputError,
  TEST_NAMES,
  validateOptions,
  type DriftOptions,
  type FeatureTestOverride,
  type TestChoice,
} from '@persona-operator/core/drift/choose';
import { show, SpecFieldError, specFields } from './spec-fields.ts';

export interface ObjectRef {
  namespace: string;
  name: string;
}

export interface PostgresCurrentData {
  /** A SELECT returning (at least) the model's feature columns. */
  query: string;
  /** Environment variable holding the data database URL (a Secret in the Job). */
  urlEnv: string;
  /** Stop with a bad-data error when the query returns more rows than this. */
  rowLimit: number;
}

/** Where the current data comes from: exactly one source. */
export type CurrentDataSource =
  | { postgres: PostgresCurrentData }
  /** The predictor's logged traffic (the registry's prediction_log) over the last window. */
  | { predictions: { windowSeconds: number } };

export interface DriftJobSpec {
  /** The DriftMonitor this run belongs to; reports are stored under "<namespace>/<name>". */
  monitor: ObjectRef;
  /** The PersonaModel whose production version supplies the reference sample. */
  model: ObjectRef;
  current: CurrentDataSource;
  tests?: DriftOptions;
  /** The idempotency key (the Job's UID); may instead come from --run-id or PERSONA_RUN_ID. */
  runId?: string;
}

export { DEFAULT_DATA_URL_ENV, DEFAULT_ROW_LIMIT };

export class DriftSpecError extends SpecFieldError {
  constructor(field: string, problem: string) {
    super('drift spec', field, problem);
  }
}

const { fail, obj, only, str, int, num, oneOf, json } = specFields(DriftSpecError);

function ref(v: unknown, field: string): ObjectRef {
  const o = obj(v, field);
  only(o, field, ['namespace', 'name']);
  return { namespace: str(o.namespace, `${field}.namespace`), name: str(o.name, `${field}.name`) };
}

function choice(v: unknown, field: string): TestChoice | undefined {
  if (v === undefined) return undefined;
  if (v !== 'auto' && !(TEST_NAMES as readonly unknown[]).includes(v))
    fail(field, `expected one of auto, ${TEST_NAMES.join(', ')}; got ${show(v)}`);
  return v as TestChoice;
}

function parseCurrent(v: unknown): CurrentDataSource {
  const c = obj(v, 'current');
  const kind = oneOf(c, 'current', ['postgres', 'predictions'] as const);
  if (kind === 'postgres') {
    const p = obj(c.postgres, 'current.postgres');
    only(p, 'current.postgres', ['query', 'urlEnv', 'rowLimit']);
    return {
      postgres: {
        query: str(p.query, 'current.postgres.query'),
        urlEnv: p.urlEnv === undefined ? DEFAULT_DATA_URL_ENV : str(p.urlEnv, 'current.postgres.urlEnv'),
        rowLimit: int(p.rowLimit, 'current.postgres.rowLimit', 1, DEFAULT_ROW_LIMIT),
      },
    };
  }
  const w = obj(c.predictions, 'current.predictions');
  only(w, 'current.predictions', ['windowSeconds']);
  return { predictions: { windowSeconds: int(w.windowSeconds, 'current.predictions.windowSeconds', 1) } };
}

function parseTests(v: unknown): DriftOptions | undefined {
  if (v === undefined) return undefined;
  const t = obj(v, 'tests');
  only(t, 'tests', [
    'numeric',
    'categorical',
    'threshold',
    'numericThreshold',
    'categoricalThreshold',
    'perFeature',
    'driftShare',
  ]);
  const options: DriftOptions = {};
  const set = <K extends keyof DriftOptions>(key: K, value: DriftOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('numeric', choice(t.numeric, 'tests.numeric'));
  set('categorical', choice(t.categorical, 'tests.categorical'));
  set('threshold', num(t.threshold, 'tests.threshold'));
  set('numericThreshold', num(t.numericThreshold, 'tests.numericThreshold'));
  set('categoricalThreshold', num(t.categoricalThreshold, 'tests.categoricalThreshold'));
  set('driftShare', num(t.driftShare, 'tests.driftShare'));
  if (t.perFeature !== undefined) {
    const perFeature: Record<string, FeatureTestOverride> = {};
    for (const [name, raw] of Object.entries(obj(t.perFeature, 'tests.perFeature'))) {
      const field = `tests.perFeature.${name}`;
      const o = obj(raw, field);
      only(o, field, ['test', 'threshold']);
      const override: FeatureTestOverride = {};
      const test = choice(o.test, `${field}.test`);
      const threshold = num(o.threshold, `${field}.threshold`);
      if (test !== undefined) override.test = test;
      if (threshold !== undefined) override.threshold = threshold;
      perFeature[name] = override;
    }
    options.perFeature = perFeature;
  }
  // The statistics module owns the remaining rules (thresholds >= 0, a test defined for the
  // type, driftShare in (0, 1]); its messages already name the tests.* field.
  try {
    validateOptions(options);
  } catch (err) {
    if (err instanceof DriftInputError) {
      const field = /^(tests\.[\w.-]+)/.exec(err.message)?.[1] ?? 'tests';
      const problem = err.message.startsWith(field)
        ? err.message.slice(field.length).replace(/^[\s:]+/, '')
        : err.message;
      fail(field, problem);
    }
    throw err;
  }
  return options;
}

/** Validates a parsed JSON/YAML document as a drift spec, applying the defaults. */
export function parseDriftJobSpec(doc: unknown): DriftJobSpec {
  const o = obj(doc, '(spec)');
  only(o, '', ['monitor', 'model', 'current', 'tests', 'runId']);
  const spec: DriftJobSpec = {
    monitor: ref(o.monitor, 'monitor'),
    model: ref(o.model, 'model'),
    current: parseCurrent(o.current),
  };
  const tests = parseTests(o.tests);
  if (tests) spec.tests = tests;
  if (o.runId !== undefined) spec.runId = str(o.runId, 'runId');
  return spec;
}

/** Parses JSON text (the env var or the file), reporting malformed JSON as a spec error. */
export function parseDriftJobSpecJson(text: string, source: string): DriftJobSpec {
  return parseDriftJobSpec(json(text, source));
}
