// Validation of a model artifact read from anywhere (file, registry, object store). Every
// consumer goes through parseArtifact so a damaged or hand-edited document is rejected at load
// time with the path of the offending field, instead of failing later inside the scorer.
import {
  ARTIFACT_SCHEMA_VERSION,
  type FeatureEncoding,
  type ModelArtifact,
  type Persona,
  type RawValue,
} from './types.ts';

/** A document that is not a valid schemaVersion 1 artifact; `field` is the path, e.g. `personas[2].scaled[3]`. */
export class ArtifactValidationError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'ArtifactValidationError';
  }
}

type Obj = Record<string, unknown>;

function fail(field: string, problem: string): never {
  throw new ArtifactValidationError(field, problem);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeof v;
}

function obj(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    fail(field, `expected an object, got ${describe(v)}`);
  return v as Obj;
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, `expected an array, got ${describe(v)}`);
  return v;
}

function str(v: unknown, field: string, nonEmpty = true): string {
  if (typeof v !== 'string') fail(field, `expected a string, got ${describe(v)}`);
  if (nonEmpty && v.length === 0) fail(field, 'expected a non-empty string');
  return v;
}

function num(v: unknown, field: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(field, `expected a finite number, got ${describe(v)}`);
  if (v < min) fail(field, `expected a number >= ${min}, got ${v}`);
  return v;
}

function int(v: unknown, field: string, min = -Infinity): number {
  const n = num(v, field, min);
  if (!Number.isInteger(n)) fail(field, `expected an integer, got ${n}`);
  return n;
}

function nullableNum(v: unknown, field: string, min = -Infinity, max = Infinity): void {
  if (v === null) return;
  const n = num(v, field, min);
  if (n > max) fail(field, `expected a number <= ${max}, got ${n}`);
}

function validateFeatures(v: unknown): FeatureEncoding[] {
  const list = arr(v, 'features');
  if (list.length === 0) fail('features', 'expected at least one feature');
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const f = `features[${i}]`;
    const o = obj(item, f);
    const name = str(o.name, `${f}.name`);
    if (seen.has(name)) fail(`${f}.name`, `duplicate feature name ${JSON.stringify(name)}`);
    seen.add(name);
    if (o.type === 'numeric') {
      num(o.mean, `${f}.mean`);
      num(o.std, `${f}.std`, 0);
      const scale = num(o.scale, `${f}.scale`);
      if (scale <= 0) fail(`${f}.scale`, `expected a positive number, got ${scale}`);
    } else if (o.type === 'categorical') {
      const cats = arr(o.categories, `${f}.categories`);
      if (cats.length === 0) fail(`${f}.categories`, 'expected at least one category');
      const seenCat = new Set<string>();
      cats.forEach((c, j) => {
        const cat = str(c, `${f}.categories[${j}]`, false);
        if (seenCat.has(cat)) fail(`${f}.categories[${j}]`, `duplicate category ${JSON.stringify(cat)}`);
        seenCat.add(cat);
      });
    } else {
      fail(`${f}.type`, `expected "numeric" or "categorical", got ${describe(o.type)}`);
    }
  });
  return list as FeatureEncoding[];
}

/** Number of encoded columns: one per numeric feature, one per category of a categorical one. */
export function encodedDimension(features: readonly FeatureEncoding[]): number {
  let d = 0;
  for (const f of features) d += f.type === 'numeric' ? 1 : f.categories.length;
  return d;
}

function validateRawValue(v: unknown, feature: FeatureEncoding, field: string): RawValue {
  if (feature.type === 'numeric') return num(v, field);
  const s = str(v, field, false);
  if (!feature.categories.includes(s)) {
    fail(field, `category ${JSON.stringify(s)} is not one of the feature's categories`);
  }
  return s;
}

function validatePersonas(v: unknown, features: FeatureEncoding[], dim: number): void {
  const list = arr(v, 'personas');
  if (list.length === 0) fail('personas', 'expected at least one persona');
  const names = new Set<string>();
  list.forEach((item, i) => {
    const f = `personas[${i}]`;
    const o = obj(item, f);
    const id = int(o.id, `${f}.id`, 0);
    if (id !== i) fail(`${f}.id`, `expected ${i} (ids are the 0-based position), got ${id}`);
    const name = str(o.name, `${f}.name`);
    if (names.has(name)) fail(`${f}.name`, `duplicate persona name ${JSON.stringify(name)}`);
    names.add(name);
    const centroid = obj(o.centroid, `${f}.centroid`);
    for (const feat of features) {
      const path = `${f}.centroid.${feat.name}`;
      if (!Object.hasOwn(centroid, feat.name)) fail(path, 'missing');
      validateRawValue(centroid[feat.name], feat, path);
    }
    for (const key of Object.keys(centroid)) {
      if (!features.some((feat) => feat.name === key))
        fail(`${f}.centroid.${key}`, 'not a feature of the model');
    }
    const scaled = arr(o.scaled, `${f}.scaled`);
    if (scaled.length !== dim) {
      fail(`${f}.scaled`, `expected ${dim} values (the encoded dimension), got ${scaled.length}`);
    }
    scaled.forEach((x, j) => num(x, `${f}.scaled[${j}]`));
    if (o.generated !== undefined && typeof o.generated !== 'boolean') {
      fail(`${f}.generated`, `expected a boolean, got ${describe(o.generated)}`);
    }
  });
}

function validateKMetrics(o: Obj, f: string): void {
  int(o.k, `${f}.k`, 1);
  num(o.inertia, `${f}.inertia`, 0);
  nullableNum(o.silhouette, `${f}.silhouette`, -1, 1);
  nullableNum(o.calinskiHarabasz, `${f}.calinskiHarabasz`, 0);
  nullableNum(o.daviesBouldin, `${f}.daviesBouldin`, 0);
}

function validateMetrics(v: unknown, k: number): void {
  const o = obj(v, 'metrics');
  validateKMetrics(o, 'metrics');
  if (o.k !== k) fail('metrics.k', `expected ${k} (the number of personas), got ${String(o.k)}`);
  const perK = arr(o.perK, 'metrics.perK');
  perK.forEach((row, i) => validateKMetrics(obj(row, `metrics.perK[${i}]`), `metrics.perK[${i}]`));
  arr(o.unmatchedPersonas, 'metrics.unmatchedPersonas').forEach((n, i) =>
    str(n, `metrics.unmatchedPersonas[${i}]`),
  );
}

function validateTraining(v: unknown): void {
  const o = obj(v, 'training');
  if (o.mode !== 'fit' && o.mode !== 'fixed') {
    fail('training.mode', `expected "fit" or "fixed", got ${describe(o.mode)}`);
  }
  int(o.rows, 'training.rows', 0);
  str(o.dataHash, 'training.dataHash', false);
  int(o.seed, 'training.seed');
  int(o.nInit, 'training.nInit', 1);
  const kr = obj(o.kRange, 'training.kRange');
  const min = int(kr.min, 'training.kRange.min', 1);
  const max = int(kr.max, 'training.kRange.max', 1);
  if (max < min) fail('training.kRange.max', `expected >= kRange.min (${min}), got ${max}`);
  num(o.durationMs, 'training.durationMs', 0);
  str(o.trainedAt, 'training.trainedAt');
  const libs = obj(o.libraries, 'training.libraries');
  for (const [name, version] of Object.entries(libs)) str(version, `training.libraries.${name}`);
}

function validateReference(v: unknown, features: FeatureEncoding[]): void {
  const o = obj(v, 'reference');
  const columns = arr(o.columns, 'reference.columns');
  if (columns.length !== features.length) {
    fail(
      'reference.columns',
      `expected the ${features.length} feature names in order, got ${columns.length}`,
    );
  }
  columns.forEach((c, i) => {
    if (c !== features[i].name) {
      fail(`reference.columns[${i}]`, `expected ${JSON.stringify(features[i].name)}, got ${describe(c)}`);
    }
  });
  arr(o.rows, 'reference.rows').forEach((row, i) => {
    const cells = arr(row, `reference.rows[${i}]`);
    if (cells.length !== features.length) {
      fail(`reference.rows[${i}]`, `expected ${features.length} values, got ${cells.length}`);
    }
    for (let j = 0; j < features.length; j++)
      validateRawValue(cells[j], features[j], `reference.rows[${i}][${j}]`);
  });
}

function validateModelRef(v: unknown): void {
  if (v === undefined) return;
  const o = obj(v, 'model');
  str(o.namespace, 'model.namespace');
  str(o.name, 'model.name');
  int(o.version, 'model.version', 1);
}

/**
 * Checks that `doc` (parsed JSON) is a complete schemaVersion 1 artifact and returns it typed.
 * Unknown extra top-level fields are allowed (later schema additions are optional fields).
 * @throws ArtifactValidationError naming the first bad field.
 */
export function parseArtifact(doc: unknown): ModelArtifact {
  const o = obj(doc, '(artifact)');
  if (o.schemaVersion !== ARTIFACT_SCHEMA_VERSION) {
    fail('schemaVersion', `expected ${ARTIFACT_SCHEMA_VERSION}, got ${describe(o.schemaVersion)}`);
  }
  const features = validateFeatures(o.features);
  const dim = encodedDimension(features);
  validatePersonas(o.personas, features, dim);
  validateMetrics(o.metrics, (o.personas as Persona[]).length);
  validateTraining(o.training);
  validateReference(o.reference, features);
  validateModelRef(o.model);
  return o as unknown as ModelArtifact;
}

/** Parses artifact JSON text; malformed JSON is reported as an ArtifactValidationError too. */
export function parseArtifactJson(text: string): ModelArtifact {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ArtifactValidationError('(artifact)', `not valid JSON: ${(err as Error).message}`);
  }
  return parseArtifact(doc);
}
