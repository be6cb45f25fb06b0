import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getCondition, isConditionTrue, sameConditions, setCondition } from '../../src/runtime/conditions.ts';

const t0 = new Date('2025-01-01T00:00:00Z');
const t1 = new Date('2025-01-01T01:00:00Z');

describe('conditions', () => {
  test('adding a condition stamps the transition time and generation', () => {
    const list = setCondition([], { type: 'Ready', status: 'False', reason: 'Rolling', message: 'm' }, 3, t0);
    assert.deepEqual(list, [
      {
        type: 'Ready',
        status: 'False',
        reason: 'Rolling',
        message: 'm',
        lastTransitionTime: t0.toISOString(),
        observedGeneration: 3,
      },
    ]);
  });

  test('same status keeps lastTransitionTime; a flip moves it', () => {
    let list = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'A', message: '' }, 1, t0);
    list = setCondition(list, { type: 'Ready', status: 'False', reason: 'B', message: 'x' }, 2, t1);
    assert.equal(getCondition(list, 'Ready')?.lastTransitionTime, t0.toISOString());
    assert.equal(getCondition(list, 'Ready')?.reason, 'B');
    list = setCondition(list, { type: 'Ready', status: 'True', reason: 'C', message: '' }, 2, t1);
    assert.equal(getCondition(list, 'Ready')?.lastTransitionTime, t1.toISOString());
    assert.ok(isConditionTrue(list, 'Ready'));
    assert.equal(list.length, 1);
  });

  test('setCondition leaves its input untouched and keeps other types', () => {
    const before = setCondition([], { type: 'Trained', status: 'True', reason: 'A', message: '' }, 1, t0);
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'B', message: '' }, 1, t1);
    assert.equal(before.length, 1);
    assert.deepEqual(
      after.map((c) => c.type),
      ['Trained', 'Ready'],
    );
  });

  test('sameConditions ignores order and timestamps but not reasons', () => {
    const a = setCondition(
      setCondition([], { type: 'A', status: 'True', reason: 'R', message: '' }, 1, t0),
      { type: 'B', status: 'False', reason: 'S', message: '' },
      1,
      t0,
    );
    const b = [...a].reverse().map((c) => ({ ...c, lastTransitionTime: t1.toISOString() }));
    assert.ok(sameConditions(a, b));
    assert.ok(
      !sameConditions(a, setCondition(a, { type: 'B', status: 'False', reason: 'T', message: '' }, 1, t0)),
    );
  });
});
