// The training spec the operator hands to a training Job (env PERSONA_TRAINING_SPEC as JSON, or
// `persona train --spec FILE`). Parsed strictly: a Job with a bad spec must fail at once with a
// message naming the field, since retrying cannot fix it.
import type { FeatureSpec, RawValue } from '@persona-operator/core/artifact/types';
import type { ArtifactStoreConfig } from '@persona-operator/registry/artifacts/index';
import { show, SpecFieldError, specFields } from './spec-fields.ts';

export interface PersonaSeed {
  name: string;
  /** Raw-unit centroid, keyed by feature name. */
  centroid: Record<string, RawValue>;
}

export interface PostgresDataSource {
  /** A SELECT returning the feature columns. */
  query: string;
  /** Environment variable holding the data database URL (a Secret in the Job). */
  urlEnv: string;
  /** Stop with a bad-data error when the query returns more rows than this. */
  rowLimit: number;
}

export type TrainingDataSource =
  { postgres: PostgresDataSource } | { gcs: { uri: string } } | { volume: { path: string } };

export interface TrainingJobSpec {
  model: { namespace: string; name: string };
  /** The idempotency key (the Job's UID); may instead come from --run-id or PERSONA_RUN_ID. */
  runId?: string;
  features: FeatureSpec[];
  personas?: PersonaSeed[];
  mode: 'fit' | 'fixed';
  k: { min: number; max: number };
  nInit: number;
  seed: number;
  data: TrainingDataSource;
  artifacts: ArtifactStoreConfig;
}

export const DEFAULT_DATA_URL_ENV = 'PERSONA_DATA_URL';
export const DEFAULT_ROW_LIMIT = 5_000_000;

export class TrainingSpecError extends SpecFieldError {
  constructor(field: string, problem: string) {
    super('training spec', field, problem);
  }
}

const { fail, obj, only, str, int, oneOf, json } = specFields(TrainingSpecError);

function parseFeatures(v: unknown): FeatureSpec[] {
  if (!Array.isArray(v) || v.length === 0)
    return fail('features', `expected a non-empty list, got ${show(v)}`);
  const seen = new Set<string>();
  return v.map((item, i) => {
    const f = obj(item, `features[${i}]`);
    only(f, `features[${i}]`, ['name', 'type']);
    const name = str(f.name, `features[${i}].name`);
    if (seen.has(name)) fail(`features[${i}].name`, `duplicate feature ${JSON.stringify(name)}`);
    seen.add(name);
    const type = f.type ?? 'numeric';
    if (type !== 'numeric' && type !== 'categorical') {
      fail(`features[${i}].type`, `expected "numeric" or "categorical", got ${show(type)}`);
    }
    return { name, type: type as FeatureSpec['type'] };
  });
}

function parsePersonas(v: unknown, features: FeatureSpec[]): PersonaSeed[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return fail('personas', `expected a list, got ${show(v)}`);
  const names = new Set<string>();
  return v.map((item, i) => {
    const p = obj(item, `personas[${i}]`);
    only(p, `personas[${i}]`, ['name', 'centroid']);
    const name = str(p.name, `personas[${i}].name`);
    if (names.has(name)) fail(`personas[${i}].name`, `duplicate persona ${JSON.stringify(name)}`);
    names.add(name);
    const c = obj(p.centroid, `personas[${i}].centroid`);
    const centroid: Record<string, RawValue> = {};
    for (const feature of features) {
      const field = `personas[${i}].centroid.${feature.name}`;
      const value = c[feature.name];
      if (feature.type === 'numeric') {
        if (typeof value !== 'number' || !Number.isFinite(value))
          fail(field, `expected a number, got ${show(value)}`);
      } else if (typeof value !== 'string') {
        fail(field, `expected a category (string), got ${show(value)}`);
      }
      centroid[feature.name] = value as RawValue;
    }
    for (const key of Object.keys(c)) {
      if (!features.some((f) => f.name === key))
        fail(`personas[${i}].centroid.${key}`, 'not one of the features');
    }
    return { name, centroid };
  });
}

function parseK(v: unknown): { min: number; max: number } {
  if (v === undefined) return { min: 2, max: 10 };
  const k = obj(v, 'k');
  if (k.value !== undefined) {
    only(k, 'k', ['value']);
    const value = int(k.value, 'k.value', 1);
    return { min: value, max: value };
  }
  only(k, 'k', ['min', 'max']);
  const min = int(k.min, 'k.min', 1);
  const max = int(k.max, 'k.max', 1);
  if (max < min) fail('k.max', `expected >= k.min (${min}), got ${max}`);
  return { min, max };
}

function parseData(v: unknown): TrainingDataSource {
  const d = obj(v, 'data');
  const kind = oneOf(d, 'data', ['postgres', 'gcs', 'volume'] as const);
  if (kind === 'postgres') {
    const p = obj(d.postgres, 'data.postgres');
    only(p, 'data.postgres', ['query', 'urlEnv', 'rowLimit']);
    const query = str(p.query, 'data.postgres.query');
    const urlEnv = p.urlEnv === undefined ? DEFAULT_DATA_URL_ENV : str(p.urlEnv, 'data.postgres.urlEnv');
    return {
      postgres: { query, urlEnv, rowLimit: int(p.rowLimit, 'data.postgres.rowLimit', 1, DEFAULT_ROW_LIMIT) },
    };
  }
  if (kind === 'gcs') {
    const g = obj(d.gcs, 'data.gcs');
    only(g, 'data.gcs', ['uri']);
    const uri = str(g.uri, 'data.gcs.uri');
    if (!/^gs:\/\/[^/]+\/.+/.test(uri))
      fail('data.gcs.uri', `expected gs://<bucket>/<object>, got ${show(uri)}`);
    return { gcs: { uri } };
  }
  const vol = obj(d.volume, 'data.volume');
  only(vol, 'data.volume', ['path']);
  return { volume: { path: str(vol.path, 'data.volume.path') } };
}

function parseArtifacts(v: unknown): ArtifactStoreConfig {
  if (v === undefined) return { postgres: {} };
  const a = obj(v, 'artifacts');
  const kind = oneOf(a, 'artifacts', ['postgres', 'gcs', 'volume'] as const);
  if (kind === 'postgres') {
    only(obj(a.postgres, 'artifacts.postgres'), 'artifacts.postgres', []);
    return { postgres: {} };
  }
  if (kind === 'gcs') {
    const g = obj(a.gcs, 'artifacts.gcs');
    only(g, 'artifacts.gcs', ['bucket', 'prefix']);
    const bucket = str(g.bucket, 'artifacts.gcs.bucket');
    if (bucket.includes('/'))
      fail('artifacts.gcs.bucket', `expected a bucket name without "/", got ${show(bucket)}`);
    const prefix = g.prefix === undefined ? undefined : String(g.prefix);
    return { gcs: prefix === undefined ? { bucket } : { bucket, prefix } };
  }
  const vol = obj(a.volume, 'artifacts.volume');
  only(vol, 'artifacts.volume', ['path']);
  return { volume: { path: str(vol.path, 'artifacts.volume.path') } };
}

/** Validates a parsed JSON/YAML document as a training spec, applying the defaults. */
export function parseTrainingJobSpec(doc: unknown): TrainingJobSpec {
  const o = obj(doc, '(spec)');
  only(o, '', ['model', 'runId', 'features', 'personas', 'mode', 'k', 'nInit', 'seed', 'data', 'artifacts']);
  const m = obj(o.model, 'model');
  only(m, 'model', ['namespace', 'name']);
  const model = { namespace: str(m.namespace, 'model.namespace'), name: str(m.name, 'model.name') };
  const features = parseFeatures(o.features);
  const personas = parsePersonas(o.personas, features);
  const mode = o.mode ?? 'fit';
  if (mode !== 'fit' && mode !== 'fixed') fail('mode', `expected "fit" or "fixed", got ${show(mode)}`);
  if (mode === 'fixed' && !personas?.length) fail('personas', 'mode "fixed" needs at least one persona');
  const spec: TrainingJobSpec = {
    model,
    features,
    mode: mode as TrainingJobSpec['mode'],
    k: parseK(o.k),
    nInit: int(o.nInit, 'nInit', 1, 10),
    seed: int(o.seed, 'seed', 0, 0),
    data: parseData(o.data),
    artifacts: parseArtifacts(o.artifacts),
  };
  if (o.runId !== undefined) spec.runId = str(o.runId, 'runId');
  if (personas) spec.personas = personas;
  return spec;
}

/** Parses JSON text (the env var or the file), reporting malformed JSON as a spec error. */
export function parseTrainingJobSpecJson(text: string, source: string): TrainingJobSpec {
  return parseTrainingJobSpec(json(text, source));
}
