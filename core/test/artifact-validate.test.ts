import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArtifactValidationError,
  encodedDimension,
  parseArtifact,
  parseArtifactJson,
} from '../src/artifact/validate.ts';
import { fixtureArtifact } from './support/fixture-artifact.ts';

// Mutations reach into arbitrary places of the document, which a precise type would only obscure.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type LooseDoc = Record<string, any>;

function rejects(mutate: (doc: LooseDoc) => void, field: string, pattern: RegExp): void {
  const doc = structuredClone(fixtureArtifact()) as unknown as LooseDoc;
  mutate(doc);
  assert.throws(
    () => parseArtifact(doc),
    (err: unknown) => {
      assert.ok(
        err instanceof ArtifactValidationError,
        `expected ArtifactValidationError, got ${String(err)}`,
      );
      assert.equal(err.field, field);
      assert.match(err.message, pattern);
      assert.ok(err.message.startsWith(`${field}: `), err.message);
      return true;
    },
  );
}

describe('parseArtifact', () => {
  test('accepts a valid artifact and returns it typed', () => {
    const doc = fixtureArtifact();
    const parsed = parseArtifact(JSON.parse(JSON.stringify(doc)));
    assert.deepEqual(parsed, doc);
    assert.equal(encodedDimension(parsed.features), 4);
  });

  test('accepts an optional model reference and unknown extra fields', () => {
    const doc = { ...fixtureArtifact(), model: { namespace: 'ns', name: 'm', version: 3 }, extra: 1 };
    assert.equal(parseArtifact(doc).model?.version, 3);
  });

  test('rejects documents that are not objects', () => {
    assert.throws(() => parseArtifact(null), /\(artifact\): must be object, got null/);
    assert.throws(() => parseArtifact([]), /must be object, got an array/);
    assert.throws(() => parseArtifactJson('{"schemaVersion": 1,'), /\(artifact\): not valid JSON/);
  });

  test('names the bad field', () => {
    rejects((d) => (d.schemaVersion = 2), 'schemaVersion', /must be 1, got 2/);
    rejects((d) => delete d.schemaVersion, 'schemaVersion', /is required/);
    rejects((d) => (d.features = []), 'features', /fewer than 1 items/);
    rejects((d) => (d.features[1].name = 'age'), 'features[1].name', /duplicate feature name "age"/);
    rejects(
      (d) => (d.features[0].type = 'float'),
      'features[0].type',
      /must be "numeric" or "categorical", got "float"/,
    );
    rejects((d) => (d.features[0].mean = 'x'), 'features[0].mean', /must be number, got "x"/);
    rejects((d) => (d.features[0].std = -1), 'features[0].std', /must be >= 0, got -1/);
    rejects((d) => (d.features[2].scale = 0), 'features[2].scale', /must be > 0, got 0/);
    rejects((d) => (d.features[1].categories = []), 'features[1].categories', /fewer than 1 items/);
    rejects(
      (d) => d.features[1].categories.push('web'),
      'features[1].categories[2]',
      /duplicate of item 0 \("web"\)/,
    );
    rejects((d) => (d.personas = []), 'personas', /fewer than 1 items/);
    rejects((d) => (d.personas[1].id = 5), 'personas[1].id', /expected 1/);
    rejects((d) => (d.personas[1].name = 'Young Web'), 'personas[1].name', /duplicate persona name/);
    rejects((d) => (d.personas[0].scaled[3] = null), 'personas[0].scaled[3]', /must be number, got null/);
    rejects(
      (d) => d.personas[0].scaled.pop(),
      'personas[0].scaled',
      /expected 4 values \(the encoded dimension\), got 3/,
    );
    rejects((d) => delete d.personas[1].centroid.age, 'personas[1].centroid.age', /is required/);
    rejects(
      (d) => (d.personas[1].centroid.channel = 'phone'),
      'personas[1].centroid.channel',
      /one of the feature's categories, got "phone"/,
    );
    rejects((d) => (d.personas[1].centroid.height = 3), 'personas[1].centroid.height', /not a feature/);
    rejects((d) => (d.personas[1].generated = 'yes'), 'personas[1].generated', /must be boolean, got "yes"/);
    rejects((d) => (d.metrics.k = 3), 'metrics.k', /expected 2 \(the number of personas\), got 3/);
    rejects((d) => (d.metrics.silhouette = 1.5), 'metrics.silhouette', /must be <= 1, got 1.5/);
    rejects((d) => (d.metrics.perK[0].inertia = -2), 'metrics.perK[0].inertia', />= 0/);
    rejects(
      (d) => (d.metrics.unmatchedPersonas = [3]),
      'metrics.unmatchedPersonas[0]',
      /must be string, got 3/,
    );
    rejects((d) => (d.training.mode = 'auto'), 'training.mode', /must be one of "fit", "fixed", got "auto"/);
    rejects((d) => (d.training.nInit = 1.5), 'training.nInit', /must be integer, got 1.5/);
    rejects(
      (d) => (d.training.kRange = { min: 4, max: 2 }),
      'training.kRange.max',
      />= kRange.min \(4\), got 2/,
    );
    rejects((d) => (d.training.libraries = { x: 1 }), 'training.libraries.x', /must be string, got 1/);
    rejects((d) => (d.reference.columns = ['age']), 'reference.columns', /3 feature names in order, got 1/);
    rejects((d) => (d.reference.columns[2] = 'x'), 'reference.columns[2]', /expected "income", got "x"/);
    rejects((d) => d.reference.rows[1].pop(), 'reference.rows[1]', /expected 3 values, got 2/);
    rejects(
      (d) => (d.reference.rows[0][0] = Infinity),
      'reference.rows[0][0]',
      /must be number or string, got Infinity/,
    );
    rejects((d) => (d.features[0].type = 'categorical'), 'features[0].categories', /is required/);
    rejects(
      (d) => (d.metrics.silhouette = 'high'),
      'metrics.silhouette',
      /must be number or null, got "high"/,
    );
    rejects(
      (d) => (d.model = { namespace: 'n', name: 'm', version: 0 }),
      'model.version',
      /must be >= 1, got 0/,
    );
  });
});
