import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cronProblem, nextFireTime, previousFireTime } from '../src/time/cron.ts';
import { DURATION_PATTERN, parseDuration } from '../src/time/duration.ts';

const at = (iso: string) => new Date(iso);

describe('cron fire times (UTC)', () => {
  test('the previous fire time includes now itself; the next is strictly after', () => {
    assert.equal(
      previousFireTime('0 * * * *', at('2025-03-01T12:00:00Z')).toISOString(),
      '2025-03-01T12:00:00.000Z',
    );
    assert.equal(
      previousFireTime('0 * * * *', at('2025-03-01T12:59:59Z')).toISOString(),
      '2025-03-01T12:00:00.000Z',
    );
    assert.equal(
      nextFireTime('0 * * * *', at('2025-03-01T12:00:00Z')).toISOString(),
      '2025-03-01T13:00:00.000Z',
    );
    assert.equal(
      nextFireTime('30 2 * * 1', at('2025-03-01T12:00:00Z')).toISOString(),
      '2025-03-03T02:30:00.000Z',
    );
    assert.equal(
      nextFireTime('@daily', at('2025-03-01T12:00:00Z')).toISOString(),
      '2025-03-02T00:00:00.000Z',
    );
  });

  test('a bad expression is named with its field and problem', () => {
    assert.equal(cronProblem('*/5 * * * *', 'spec.schedule'), undefined);
    assert.match(
      cronProblem('61 * * * *', 'spec.schedule') ?? '',
      /^spec\.schedule "61 \* \* \* \*" is not a valid cron expression: /,
    );
    assert.throws(() => nextFireTime('nope', at('2025-03-01T12:00:00Z')));
  });
});

describe('durations', () => {
  test('every unit, and fractions rounded to milliseconds', () => {
    const cases: [string, number][] = [
      ['250ms', 250],
      ['1.5s', 1500],
      ['90s', 90_000],
      ['2m', 120_000],
      ['24h', 86_400_000],
      ['7d', 7 * 86_400_000],
      ['0.0004s', 0],
    ];
    for (const [text, ms] of cases) {
      assert.equal(parseDuration(text, 'x'), ms, text);
      assert.match(text, new RegExp(DURATION_PATTERN), `${text} matches the schema pattern`);
    }
  });

  test('anything else is refused naming the field, as the schema pattern refuses it', () => {
    for (const text of ['1w', '10', '', ' 5s', '5 s', '-1s', '1.s', 's']) {
      assert.throws(
        () => parseDuration(text, 'spec.action.cooldown'),
        /^Error: spec\.action\.cooldown: expected a duration such as 500ms, 90s, 15m, 24h or 7d, got /,
        JSON.stringify(text),
      );
      assert.doesNotMatch(text, new RegExp(DURATION_PATTERN));
    }
  });
});
