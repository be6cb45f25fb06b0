// Validation of a model artifact read from anywhere (file, registry, object store). Every
// consumer goes through parseArtifact so a damaged or hand-edited document is rejected at load
// time with the path of the offending field, instead of failing later inside the scorer.
import { compileCheck, show } from '../schema/check.ts';
import {
  ModelArtifactSchema,
  type FeatureEncoding,
  type ModelArtifact,
  type ReferenceStats,
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

function fail(field: string, problem: string): never {
  throw new ArtifactValidationError(field, problem);
}

const checkShape = compileCheck(ModelArtifactSchema, '(artifact)');

/** Number of encoded columns: one per numeric feature, one per category of a categorical one. */
export function encodedDimension(features: readonly FeatureEncoding[]): number {
  let d = 0;
  for (const f of features) d += f.type === 'numeric' ? 1 : f.categories.length;
  return d;
}

function checkRawValue(v: unknown, feature: FeatureEncoding, field: string): void {
  if (feature.type === 'numeric') {
    if (typeof v !== 'number') fail(field, `must be number, got ${show(v)}`);
  } else if (typeof v !== 'string' || !feature.categories.includes(v)) {
    fail(field, `must be one of the feature's categories, got ${show(v)}`);
  }
}

function unique(names: string[], field: (i: number) => string, what: string): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) fail(field(i), `duplicate ${what} ${JSON.stringify(name)}`);
    seen.add(name);
  });
}

// The rules that relate one part of the document to another, which a schema cannot state.
function checkConsistency(a: ModelArtifact): void {
  const { features, personas } = a;
  unique(
    features.map((f) => f.name),
    (i) => `features[${i}].name`,
    'feature name',
  );
  unique(
    personas.map((p) => p.name),
    (i) => `personas[${i}].name`,
    'persona name',
  );
  const dim = encodedDimension(features);
  personas.forEach((p, i) => {
    const f = `personas[${i}]`;
    if (p.id !== i) fail(`${f}.id`, `expected ${i} (ids are the 0-based position), got ${p.id}`);
    for (const feat of features) {
      const path = `${f}.centroid.${feat.name}`;
      if (!Object.hasOwn(p.centroid, feat.name)) fail(path, 'is required');
      checkRawValue(p.centroid[feat.name], feat, path);
    }
    for (const key of Object.keys(p.centroid)) {
      if (!features.some((feat) => feat.name === key))
        fail(`${f}.centroid.${key}`, 'not a feature of the model');
    }
    if (p.scaled.length !== dim) {
      fail(`${f}.scaled`, `expected ${dim} values (the encoded dimension), got ${p.scaled.length}`);
    }
  });
  if (a.metrics.k !== personas.length) {
    fail('metrics.k', `expected ${personas.length} (the number of personas), got ${a.metrics.k}`);
  }
  const { min, max } = a.training.kRange;
  if (max < min) fail('training.kRange.max', `expected >= kRange.min (${min}), got ${max}`);
  const { columns, rows } = a.reference;
  if (columns.length !== features.length) {
    fail(
      'reference.columns',
      `expected the ${features.length} feature names in order, got ${columns.length}`,
    );
  }
  columns.forEach((c, i) => {
    if (c !== features[i].name)
      fail(`reference.columns[${i}]`, `expected ${show(features[i].name)}, got ${show(c)}`);
  });
  rows.forEach((cells, i) => {
    if (cells.length !== features.length) {
      fail(`reference.rows[${i}]`, `expected ${features.length} values, got ${cells.length}`);
    }
    features.forEach((feat, j) => checkRawValue(cells[j], feat, `reference.rows[${i}][${j}]`));
  });
  if (a.referenceStats) checkReferenceStats(a.referenceStats, personas.length, rows.length);
}

function checkReferenceStats(s: ReferenceStats, k: number, sampleRows: number): void {
  const { personaCounts, distanceQuantiles, sampleLabels } = s;
  if (personaCounts.length !== k) {
    fail(
      'referenceStats.personaCounts',
      `expected ${k} counts (one per persona), got ${personaCounts.length}`,
    );
  }
  const total = personaCounts.reduce((a, b) => a + b, 0);
  if (total !== s.rows)
    fail('referenceStats.personaCounts', `expected counts summing to rows (${s.rows}), got ${total}`);
  distanceQuantiles.forEach((q, i) => {
    if (i > 0 && q < distanceQuantiles[i - 1]) {
      fail(
        `referenceStats.distanceQuantiles[${i}]`,
        `expected >= the previous quantile (${distanceQuantiles[i - 1]}), got ${q}`,
      );
    }
  });
  if (sampleLabels.length !== sampleRows) {
    fail(
      'referenceStats.sampleLabels',
      `expected ${sampleRows} labels (one per reference row), got ${sampleLabels.length}`,
    );
  }
  sampleLabels.forEach((l, i) => {
    if (l >= k) fail(`referenceStats.sampleLabels[${i}]`, `expected a persona id below ${k}, got ${l}`);
  });
}

/**
 * Checks that `doc` (parsed JSON) is a complete schemaVersion 1 artifact and returns it typed.
 * @throws ArtifactValidationError naming the first bad field.
 */
export function parseArtifact(doc: unknown): ModelArtifact {
  const checked = checkShape(doc);
  if (!checked.ok) fail(checked.error.field, checked.error.problem);
  checkConsistency(checked.value);
  return checked.value;
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
