// The drift spec the operator writes for a drift Job: defaults applied, and every bad field
// refused with a message that names it (the Job then exits 2 instead of retrying).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDriftJobSpec, parseDriftJobSpecJson } from '@persona-operator/jobs/drift-spec';

const base = {
  monitor: { namespace: 'shop', name: 'customers-drift' },
  model: { namespace: 'shop', name: 'customers' },
  current: { postgres: { query: 'SELECT * FROM survey' } },
};

describe('drift spec', () => {
  test('defaults: the data URL variable and the row limit', () => {
    assert.deepEqual(parseDriftJobSpec(base), {
      ...base,
      current: {
        postgres: { query: 'SELECT * FROM survey', urlEnv: 'PERSONA_DATA_URL', rowLimit: 5_000_000 },
      },
    });
  });

  test('the predictions window, the tests and the run id are kept', () => {
    const spec = parseDriftJobSpec({
      ...base,
      current: { predictions: { windowSeconds: 86_400 } },
      tests: {
        numeric: 'psi',
        categorical: 'auto',
        numericThreshold: 0.2,
        perFeature: { income: { test: 'ks', threshold: 0.01 } },
        driftShare: 0.3,
        personaMix: { test: 'jensenshannon', threshold: 0.2 },
        novelty: { percentile: 0.995, maxShare: 0.02 },
        perPersona: { enabled: false },
        driftWhen: { anyOf: ['features', 'personaMix', 'novelty'] },
      },
      runId: 'uid-1',
    });
    assert.deepEqual(spec.current, { predictions: { windowSeconds: 86_400 } });
    assert.deepEqual(spec.tests, {
      numeric: 'psi',
      categorical: 'auto',
      numericThreshold: 0.2,
      perFeature: { income: { test: 'ks', threshold: 0.01 } },
      driftShare: 0.3,
      personaMix: { test: 'jensenshannon', threshold: 0.2 },
      novelty: { percentile: 0.995, maxShare: 0.02 },
      perPersona: { enabled: false },
      driftWhen: { anyOf: ['features', 'personaMix', 'novelty'] },
    });
    assert.equal(spec.runId, 'uid-1');
  });

  const bad: [string, unknown, string][] = [
    ['not an object', [], 'drift spec: (spec): must be object, got an array'],
    ['unknown top-level field', { ...base, extra: 1 }, 'drift spec: extra: unknown field'],
    ['missing monitor', { ...base, monitor: undefined }, 'drift spec: monitor: is required'],
    ['empty model name', { ...base, model: { namespace: 'shop', name: '' } }, 'drift spec: model.name:'],
    [
      'no current source',
      { ...base, current: {} },
      'drift spec: current: expected exactly one of postgres, predictions, got none',
    ],
    [
      'two current sources',
      { ...base, current: { postgres: { query: 'x' }, predictions: { windowSeconds: 1 } } },
      'drift spec: current: expected exactly one of postgres, predictions, got postgres and predictions',
    ],
    [
      'empty query',
      { ...base, current: { postgres: { query: ' ' } } },
      'drift spec: current.postgres.query:',
    ],
    [
      'row limit zero',
      { ...base, current: { postgres: { query: 'x', rowLimit: 0 } } },
      'drift spec: current.postgres.rowLimit: must be >= 1, got 0',
    ],
    [
      'window as a string',
      { ...base, current: { predictions: { windowSeconds: '24h' } } },
      'drift spec: current.predictions.windowSeconds: must be integer, got "24h"',
    ],
    [
      'unknown test',
      { ...base, tests: { numeric: 'ttest' } },
      'drift spec: tests.numeric: must be one of "auto", "ks"',
    ],
    [
      'a numeric test for categories',
      { ...base, tests: { categorical: 'ks' } },
      'drift spec: tests.categorical: ks is not defined for categorical columns',
    ],
    [
      'negative per-feature threshold',
      { ...base, tests: { perFeature: { age: { threshold: -1 } } } },
      'drift spec: tests.perFeature.age.threshold: must be a finite number >= 0, got -1',
    ],
    [
      'drift share above 1',
      { ...base, tests: { driftShare: 2 } },
      'drift spec: tests.driftShare: must be in (0, 1], got 2',
    ],
    [
      'unknown per-feature field',
      { ...base, tests: { perFeature: { age: { tset: 'ks' } } } },
      'drift spec: tests.perFeature.age.tset: unknown field',
    ],
    ['empty run id', { ...base, runId: '' }, 'drift spec: runId: must not be blank'],
    [
      'a persona-mix test for numbers',
      { ...base, tests: { personaMix: { test: 'wasserstein' } } },
      'drift spec: tests.personaMix.test: wasserstein is not defined for the persona mix',
    ],
    [
      'a novelty percentile of 99',
      { ...base, tests: { novelty: { percentile: 99 } } },
      'drift spec: tests.novelty.percentile: must be in [0.5, 0.999], got 99',
    ],
    [
      'an unknown per-persona field',
      { ...base, tests: { perPersona: { minRow: 5 } } },
      'drift spec: tests.perPersona.minRow: unknown field',
    ],
    [
      'a rule with both anyOf and allOf',
      { ...base, tests: { driftWhen: { anyOf: ['features'], allOf: ['novelty'] } } },
      'drift spec: tests.driftWhen:',
    ],
    [
      'a rule naming a switched-off test',
      { ...base, tests: { perPersona: { enabled: false }, driftWhen: { anyOf: ['perPersona'] } } },
      'drift spec: tests.driftWhen.anyOf: perPersona is listed but tests.perPersona.enabled is false',
    ],
  ];
  for (const [what, doc, message] of bad) {
    test(`refuses ${what}`, () => {
      assert.throws(
        () => parseDriftJobSpec(doc),
        (err: Error) => err.name === 'DriftSpecError' && err.message.startsWith(message),
      );
    });
  }

  test('malformed JSON names its source', () => {
    assert.throws(
      () => parseDriftJobSpecJson('{', 'PERSONA_DRIFT_SPEC'),
      /drift spec: \(spec\): PERSONA_DRIFT_SPEC is not valid JSON/,
    );
  });
});
