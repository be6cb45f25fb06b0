import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLease } from '../../src/runtime/leader.ts';

const now = 100_000;

describe('decideLease', () => {
  test('a missing lease is taken', () => {
    const d = decideLease(undefined, now, 'me', now, 15);
    assert.equal(d.kind, 'write');
    assert.equal(d.kind === 'write' && d.record.holderIdentity, 'me');
    assert.equal(d.kind === 'write' && d.record.leaseTransitions, 0);
  });

  test("another holder's fresh lease is respected until it has been unchanged for a lease duration", () => {
    const record = {
      holderIdentity: 'other',
      leaseDurationSeconds: 15,
      renewTime: new Date(0),
      leaseTransitions: 2,
    };
    const waiting = decideLease(record, now - 14_000, 'me', now, 15);
    assert.deepEqual(waiting, { kind: 'wait', holder: 'other', expiresInMs: 1000 });
    const taken = decideLease(record, now - 15_000, 'me', now, 15);
    assert.equal(taken.kind, 'write');
    assert.equal(
      taken.kind === 'write' && taken.record.leaseTransitions,
      3,
      'a take-over counts a transition',
    );
  });

  test('expiry is judged by the local observation time, not the writer clock', () => {
    // renewTime far in the past (skewed clock), but we only just saw this record: wait.
    const record = { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: new Date(0) };
    assert.equal(decideLease(record, now, 'me', now, 15).kind, 'wait');
  });

  test('the holder renews and keeps its acquire time and transition count', () => {
    const acquired = new Date(5000);
    const record = {
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: acquired,
      leaseTransitions: 4,
    };
    const d = decideLease(record, now, 'me', now, 15);
    assert.equal(d.kind, 'write');
    if (d.kind === 'write') {
      assert.equal(d.record.acquireTime, acquired);
      assert.equal(d.record.renewTime?.getTime(), now);
      assert.equal(d.record.leaseTransitions, 4);
    }
  });

  test('a released lease (no holder) is taken at once', () => {
    const record = { holderIdentity: undefined, leaseDurationSeconds: 1, leaseTransitions: 1 };
    assert.equal(decideLease(record, now, 'me', now, 15).kind, 'write');
  });
});
