// resolveSpec fills every default the PersonaModel schema states, wherever the field's parent
// is present, so the controller never restates a default in code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PersonaModelSpecSchema, type PersonaModelSpec } from '../../../src/api/v1alpha1/personamodel.ts';
import { resolveSpec } from '../../../src/controllers/personamodel/defaults.ts';
import { unfilled } from '../../support/defaults.ts';

const secretRef = { name: 'db' };
const minimal: PersonaModelSpec = {
  features: [{ name: 'age' }, { name: 'channel', type: 'categorical' }],
  training: { data: { postgres: { secretRef, query: 'SELECT age, channel FROM t' } } },
};
const everyPart: PersonaModelSpec = {
  ...minimal,
  training: { data: { gcs: { uri: 'gs://b/o.csv', secretRef } }, k: { value: 3 } },
  serving: { autoscaling: { maxReplicas: 4 } },
  registry: { secretRef },
  artifacts: { volume: { claimName: 'artifacts' } },
};

describe('resolveSpec', () => {
  test('fills every schema default', () => {
    for (const spec of [minimal, everyPart, { ...minimal, artifacts: { gcs: { bucket: 'models' } } }]) {
      assert.deepEqual(unfilled(PersonaModelSpecSchema, resolveSpec(spec)), []);
    }
  });

  test('the check notices a default that is not filled', () => {
    assert.deepEqual(unfilled(PersonaModelSpecSchema, minimal), [
      'spec.features[0].type',
      'spec.training.data.postgres.secretRef.key',
      'spec.training.mode',
      'spec.training.k',
      'spec.training.nInit',
      'spec.training.seed',
      'spec.training.algorithm',
      'spec.training.batchSize',
      'spec.training.parallelism',
      'spec.training.backoffLimit',
      'spec.training.activeDeadlineSeconds',
      'spec.training.ttlSecondsAfterFinished',
      'spec.promotion',
      'spec.serving',
      'spec.artifacts',
    ]);
  });

  test('takes the defaults from the schema and k as a range', () => {
    const resolved = resolveSpec(minimal);
    assert.deepEqual(resolved.training.k, { min: 2, max: 10 });
    assert.equal(resolved.training.nInit, 10);
    assert.deepEqual(resolved.promotion, {
      policy: 'Automatic',
      minSilhouette: 0.25,
      requireImprovement: true,
      tolerance: 0.01,
      maxPersonaChurn: 1,
      allowPersonaChanges: true,
    });
    assert.deepEqual(resolved.artifacts, { postgres: {} });
    assert.deepEqual(resolveSpec(everyPart).training.k, { min: 3, max: 3 });
    // Typed as present, so the Job builders read it without restating the default.
    const key: string = resolveSpec(everyPart).registry!.secretRef.key;
    assert.equal(key, 'url');
    assert.deepEqual(resolveSpec(everyPart).serving.autoscaling, {
      maxReplicas: 4,
      minReplicas: 1,
      targetCPUUtilizationPercentage: 80,
    });
  });

  test('does not change the object it was given', () => {
    const spec = structuredClone(minimal);
    resolveSpec(spec);
    assert.deepEqual(spec, minimal);
  });

  test('parallelism beyond the grid, or with minibatch, is a spec problem naming the field', () => {
    const training = { ...minimal.training, algorithm: 'lloyd' as const, k: { min: 2, max: 3 }, nInit: 2 };
    assert.equal(
      resolveSpec({ ...minimal, training: { ...training, parallelism: 4 } }).training.parallelism,
      4,
    );
    assert.throws(
      () => resolveSpec({ ...minimal, training: { ...training, parallelism: 5 } }),
      /^SpecProblem: spec.training.parallelism: expected at most the grid size \(\(k.max - k.min \+ 1\) x nInit = 4 fits\), got 5$/,
    );
    assert.throws(
      () => resolveSpec({ ...minimal, training: { ...minimal.training, parallelism: 2 } }),
      /spec.training.parallelism: .*expected algorithm lloyd with 2 pods, got auto/,
    );
  });

  test('a k with neither value nor both bounds is a spec problem naming the field', () => {
    assert.throws(
      () => resolveSpec({ ...minimal, training: { ...minimal.training, k: { min: 3 } } }),
      /spec\.training\.k: set either value, or both min and max/,
    );
  });
});
