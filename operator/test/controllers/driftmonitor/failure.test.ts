import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  classifyFailure,
  errorFromTermination,
  runFailure,
  terminationMessage,
} from '../../../src/controllers/driftmonitor/failure.ts';

describe('drift run failures', () => {
  test("the checker's messages map to reasons a person can act on", () => {
    const cases: [string, string][] = [
      ['model shop/nope is not in the registry (has it been trained?)', 'ModelNotFound'],
      [
        'model shop/customers has no production version, so there is no reference to compare with',
        'NoProductionVersion',
      ],
      ['current.postgres.query: the query returned no rows', 'EmptyResult'],
      [
        'current.predictions (the last 3600s of logged predictions): no predictions of shop/c were logged since x',
        'EmptyResult',
      ],
      ['current.postgres.query: column "income" is not in the query result (it has: age)', 'MissingColumns'],
      ['current.postgres.query: column "income", row 3: "abc" is not a finite number', 'BadValue'],
      ['column "income" has no values in the current data', 'BadValue'],
      [
        'none of the 500 current rows could be assigned to a persona: every row lacks a value (income)',
        'BadValue',
      ],
      ['current.postgres.query failed: relation "nope" does not exist (SQLSTATE 42P01)', 'QueryFailed'],
      ['drift spec: tests.perFeature.x.test: must be one of "auto", "ks"', 'InvalidSpec'],
      ['connect ECONNREFUSED 10.0.0.1:5432', 'DriftCheckFailed'],
    ];
    for (const [message, reason] of cases) assert.equal(classifyFailure(message), reason, message);
  });

  test('the result line is found after the log lines; plain text falls back to its last line', () => {
    const tail = [
      '{"level":30,"msg":"reading current data"}',
      '{"level":50,"msg":"current.postgres.query: the query returned no rows"}',
      '{"error":"current.postgres.query: the query returned no rows","kind":"bad-input","exitCode":2}',
      '',
    ].join('\n');
    assert.equal(errorFromTermination(tail), 'current.postgres.query: the query returned no rows');
    assert.equal(errorFromTermination('{"level":50,"msg":"boom"}\n'), 'boom');
    assert.equal(errorFromTermination('oops\nlast words\n'), 'last words');
    assert.equal(errorFromTermination(''), undefined);
  });

  test("the latest failed attempt's message wins; without one the Job's message is used", () => {
    const pod = (finishedAt: string, message: string, exitCode = 2): V1Pod => ({
      status: {
        containerStatuses: [
          {
            name: 'drift',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode, message, finishedAt: new Date(finishedAt) } },
          },
        ],
      },
    });
    const pods = [
      pod('2025-03-01T00:00:02Z', '{"error":"second"}'),
      pod('2025-03-01T00:00:01Z', '{"error":"first"}'),
    ];
    assert.equal(terminationMessage(pods, 'drift'), '{"error":"second"}');
    assert.equal(terminationMessage([pod('2025-03-01T00:00:01Z', 'ok', 0)], 'drift'), undefined);
    assert.deepEqual(runFailure(undefined, 'Job x failed (BackoffLimitExceeded): no message'), {
      reason: 'DriftCheckFailed',
      message: 'Job x failed (BackoffLimitExceeded): no message',
    });
    assert.equal(
      runFailure('{"error":"model shop/x is not in the registry"}', 'Job x failed').reason,
      'ModelNotFound',
    );
  });
});
