// Reading a Job's outcome from its conditions; comparing statuses for a write.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Job } from '@kubernetes/client-node';
import { jobOutcome } from '../../../src/controllers/shared/job-outcome.ts';
import { jobSeconds } from '../../../src/controllers/shared/job-durations.ts';
import { canonicalJson } from '../../../src/controllers/shared/canonical-json.ts';
import { comparableStatus } from '../../../src/controllers/shared/status-write.ts';

const job = (conditions: NonNullable<V1Job['status']>['conditions'], completionTime?: string): V1Job => ({
  metadata: { name: 'm-train-abc' },
  status: { conditions, ...(completionTime ? { completionTime: new Date(completionTime) } : {}) },
});

describe('jobOutcome', () => {
  test('no terminal condition: running', () => {
    assert.deepEqual(jobOutcome(job([])), { state: 'running' });
    // SuccessCriteriaMet comes before Complete: not finished yet for us.
    assert.deepEqual(jobOutcome(job([{ type: 'SuccessCriteriaMet', status: 'True' }])), { state: 'running' });
  });

  test('Complete=True: succeeded, with the completion time', () => {
    const out = jobOutcome(job([{ type: 'Complete', status: 'True' }], '2026-01-02T03:04:05Z'));
    assert.deepEqual(out, { state: 'succeeded', completionTime: '2026-01-02T03:04:05.000Z' });
  });

  test('Failed=True: failed, naming the Job, the reason and the message', () => {
    const out = jobOutcome(
      job([
        {
          type: 'Failed',
          status: 'True',
          reason: 'PodFailurePolicy',
          message: 'Container trainer for pod x failed with exit code 2 matching FailJob rule at index 0',
          lastTransitionTime: new Date('2026-01-02T03:04:05Z'),
        },
      ]),
    );
    assert.equal(out.state, 'failed');
    assert.ok(out.state === 'failed');
    assert.match(out.message, /^Job m-train-abc failed \(PodFailurePolicy\): .*exit code 2/);
    assert.equal(out.completionTime, '2026-01-02T03:04:05.000Z');
  });

  test('a condition that is False does not count', () => {
    assert.deepEqual(jobOutcome(job([{ type: 'Failed', status: 'False' }])), { state: 'running' });
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every level and leaves out undefined', () => {
    assert.equal(
      canonicalJson({ b: [{ d: 1, c: 2 }], a: null, u: undefined }),
      '{"a":null,"b":[{"c":2,"d":1}]}',
    );
  });
});

describe('comparableStatus', () => {
  const ready = (status: 'True' | 'False', at: string) => ({
    type: 'Ready',
    status,
    reason: 'Serving',
    message: 'ok',
    lastTransitionTime: at,
  });

  test('a condition timestamp alone is no change; a field or a condition status is', () => {
    const before = { phase: 'Serving', conditions: [ready('True', '2025-01-01T00:00:00Z')] };
    const same = { conditions: [ready('True', '2025-02-01T00:00:00Z')], phase: 'Serving' };
    assert.equal(comparableStatus(before), comparableStatus(same));
    assert.notEqual(comparableStatus(before), comparableStatus({ ...before, phase: 'Degraded' }));
    assert.notEqual(
      comparableStatus(before),
      comparableStatus({ ...before, conditions: [ready('False', '2025-01-01T00:00:00Z')] }),
    );
  });

  test('no status is the same as an empty one', () => {
    assert.equal(comparableStatus(undefined), comparableStatus({}));
    assert.equal(comparableStatus(undefined), comparableStatus({ conditions: [] }));
  });
});

describe('jobSeconds', () => {
  const started = (startTime?: string, creationTimestamp = '2026-01-02T03:00:00Z'): V1Job => ({
    metadata: { name: 'm-train-abc', creationTimestamp: new Date(creationTimestamp) },
    status: startTime ? { startTime: new Date(startTime) } : {},
  });

  test("from the Job's start time to the terminal condition's time", () => {
    const out = { state: 'succeeded' as const, completionTime: '2026-01-02T03:04:05.000Z' };
    assert.equal(jobSeconds(started('2026-01-02T03:02:00Z'), out), 125);
    // A Job without a start time (never got a pod) counts from its creation.
    assert.equal(jobSeconds(started(undefined), out), 245);
  });

  test('unknown or backwards times give no figure rather than a wrong one', () => {
    assert.equal(jobSeconds(started('2026-01-02T03:02:00Z'), { state: 'succeeded' }), undefined);
    const early = { state: 'failed' as const, message: 'x', completionTime: '2026-01-02T03:01:00.000Z' };
    assert.equal(jobSeconds(started('2026-01-02T03:02:00Z'), early), undefined);
  });
});
