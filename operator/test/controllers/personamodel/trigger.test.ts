import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideTraining, type TriggerInputs } from '../../../src/controllers/personamodel/trigger.ts';

const base: TriggerInputs = {
  now: new Date('2025-01-08T12:00:00Z'),
  inputsHash: 'h1',
  status: undefined,
  hasVersion: false,
  createdAt: new Date('2025-01-01T00:00:00Z'),
};
const trained = (
  hash: string,
  result: 'Running' | 'Succeeded' | 'Failed' = 'Succeeded',
  startTime?: string,
) => ({
  lastTraining: { jobName: 'j', inputsHash: hash, result, startTime },
});

describe('training trigger', () => {
  test('a new model with no version trains', () => {
    const d = decideTraining(base);
    assert.equal(d.train && d.reason, 'NoVersion');
  });

  test('a failed training for the same inputs is not retried in a loop', () => {
    const d = decideTraining({ ...base, status: trained('h1', 'Failed') });
    assert.equal(d.train, false);
  });

  test('nothing happens while a Job runs, whatever else changed', () => {
    const d = decideTraining({
      ...base,
      inputsHash: 'h2',
      retrainToken: 'x',
      status: trained('h1', 'Running'),
    });
    assert.equal(d.train, false);
    assert.match(d.message, /still running/);
  });

  test('changed training inputs train again', () => {
    const d = decideTraining({ ...base, hasVersion: true, inputsHash: 'h2', status: trained('h1') });
    assert.equal(d.train && d.reason, 'InputsChanged');
  });

  test('a new retrain token trains once; the same token again does not', () => {
    const first = decideTraining({ ...base, hasVersion: true, retrainToken: 'a', status: trained('h1') });
    assert.ok(first.train && first.reason === 'RetrainRequested' && first.token === 'a');
    const again = decideTraining({
      ...base,
      hasVersion: true,
      retrainToken: 'a',
      status: { ...trained('h1'), retrainToken: 'a' },
    });
    assert.equal(again.train, false);
  });

  test('a due schedule trains once per slot with the slot in the token', () => {
    const inputs = { ...base, hasVersion: true, schedule: '0 3 * * 1' };
    const due = decideTraining({ ...inputs, status: trained('h1', 'Succeeded', '2025-01-01T00:00:00Z') });
    assert.ok(due.train && due.reason === 'ScheduleDue');
    assert.equal(due.train && due.token, 'schedule@2025-01-06T03:00:00.000Z');
    const done = decideTraining({ ...inputs, status: trained('h1', 'Succeeded', '2025-01-06T03:00:05Z') });
    assert.equal(done.train, false);
  });

  test('an up-to-date model does not train', () => {
    assert.deepEqual(decideTraining({ ...base, hasVersion: true, status: trained('h1') }), {
      train: false,
      message: 'trained model is up to date',
    });
  });
});
