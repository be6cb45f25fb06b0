// The flag readers every `persona` command uses: what each accepts, and the exact message (flag,
// expectation, value given) of each rejection.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from '../src/errors.ts';
import {
  choiceFlag,
  durationFlag,
  intFlag,
  intRangeFlag,
  modelRefFlag,
  numberFlag,
  postgresUrlFlag,
  required,
  sizeFlag,
} from '../src/flags.ts';

type Read = () => unknown;

function accepts(cases: [string, Read, unknown][]): void {
  for (const [name, read, expected] of cases)
    test(`accepts ${name}`, () => assert.deepEqual(read(), expected));
}

/** Each read throws a CliError with exit code 2 and exactly this message. */
function rejects(cases: [Read, string][]): void {
  for (const [read, message] of cases) {
    test(`rejects: ${message}`, () => {
      assert.throws(read, (err: unknown) => {
        assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
        assert.equal(err.exitCode, 2);
        assert.equal(err.message, message);
        return true;
      });
    });
  }
}

describe('intFlag', () => {
  accepts([
    ['an absent flag as undefined', () => intFlag('--n', undefined, { min: 1 }), undefined],
    ['a whole number', () => intFlag('--n', '42'), 42],
    ['the minimum', () => intFlag('--port', '0', { min: 0, max: 65535 }), 0],
    ['the maximum', () => intFlag('--port', '65535', { min: 0, max: 65535 }), 65535],
    ['a negative number without a range', () => intFlag('--n', '-3'), -3],
  ]);
  rejects([
    [() => intFlag('--max-batch', 'abc', { min: 1 }), '--max-batch: expected an integer >= 1, got "abc"'],
    [() => intFlag('--max-batch', '0', { min: 1 }), '--max-batch: expected an integer >= 1, got "0"'],
    [() => intFlag('--n', '1.5'), '--n: expected an integer, got "1.5"'],
    [() => intFlag('--n', '1e3'), '--n: expected an integer, got "1e3"'],
    [() => intFlag('--n', ' 7'), '--n: expected an integer, got " 7"'],
    [() => intFlag('--n', ''), '--n: expected an integer, got ""'],
    [() => intFlag('--n', '9007199254740993'), '--n: expected an integer, got "9007199254740993"'],
    [
      () => intFlag('--port', '70000', { min: 0, max: 65535 }),
      '--port: expected an integer from 0 to 65535, got "70000"',
    ],
    [() => intFlag('--n', '11', { max: 10 }), '--n: expected an integer <= 10, got "11"'],
  ]);
});

describe('numberFlag', () => {
  accepts([
    ['a decimal', () => numberFlag('--threshold', '0.05'), 0.05],
    ['a leading dot', () => numberFlag('--threshold', '.5'), 0.5],
    ['an exponent', () => numberFlag('--threshold', '1e-3'), 0.001],
    ['a negative number', () => numberFlag('--x', '-2'), -2],
    ['a number in range', () => numberFlag('--share', '1', { min: 0, max: 1 }), 1],
  ]);
  rejects([
    [() => numberFlag('--threshold', 'high'), '--threshold: expected a number, got "high"'],
    [() => numberFlag('--threshold', ''), '--threshold: expected a number, got ""'],
    [() => numberFlag('--threshold', 'Infinity'), '--threshold: expected a number, got "Infinity"'],
    [() => numberFlag('--threshold', '0x10'), '--threshold: expected a number, got "0x10"'],
    [() => numberFlag('--threshold', '1e999'), '--threshold: expected a number, got "1e999"'],
    [
      () => numberFlag('--share', '1.5', { min: 0, max: 1 }),
      '--share: expected a number from 0 to 1, got "1.5"',
    ],
  ]);
});

describe('intRangeFlag', () => {
  accepts([
    ['a range', () => intRangeFlag('--k', '2..10', { min: 1 }), { min: 2, max: 10 }],
    ['a dash range with spaces', () => intRangeFlag('--k', ' 3 - 5 ', { min: 1 }), { min: 3, max: 5 }],
    ['a single value', () => intRangeFlag('--k', '6', { min: 1 }), { min: 6, max: 6 }],
  ]);
  rejects([
    [
      () => intRangeFlag('--k', 'two', { min: 1 }),
      '--k: expected a range such as 2..10 or a single integer such as 6, got "two"',
    ],
    [
      () => intRangeFlag('--k', '2..', { min: 1 }),
      '--k: expected a range such as 2..10 or a single integer such as 6, got "2.."',
    ],
    [
      () => intRangeFlag('--k', '0..3', { min: 1 }),
      '--k: expected a range of integers >= 1 with min <= max, got "0..3"',
    ],
    [
      () => intRangeFlag('--k', '5..2', { min: 1 }),
      '--k: expected a range of integers >= 1 with min <= max, got "5..2"',
    ],
  ]);
});

describe('durationFlag', () => {
  accepts([
    ['milliseconds', () => durationFlag('--drain-delay', '250ms'), 250],
    ['fractional seconds', () => durationFlag('--drain-delay', '1.5s'), 1500],
    ['days', () => durationFlag('--window', '7d'), 604_800_000],
    ['the minimum', () => durationFlag('--window', '1000ms', '1s'), 1000],
  ]);
  rejects([
    [
      () => durationFlag('--drain-delay', 'soon'),
      '--drain-delay: expected a duration such as 500ms, 90s, 15m, 24h or 7d, got "soon"',
    ],
    [
      () => durationFlag('--window', '24'),
      '--window: expected a duration such as 500ms, 90s, 15m, 24h or 7d, got "24"',
    ],
    [() => durationFlag('--window', '0h', '1s'), '--window: expected a duration of at least 1s, got "0h"'],
  ]);
});

describe('sizeFlag', () => {
  accepts([
    ['bytes', () => sizeFlag('--body-limit', '1048576'), 1_048_576],
    ['kilobytes', () => sizeFlag('--body-limit', '512kb'), 512 * 1024],
    ['megabytes in capitals', () => sizeFlag('--body-limit', '8MB'), 8 * 1024 ** 2],
    ['mebibytes with a space', () => sizeFlag('--body-limit', '2 mib'), 2 * 1024 ** 2],
  ]);
  const expected = 'expected a size such as 1048576, 512kb or 8mb';
  rejects([
    [() => sizeFlag('--body-limit', 'lots'), `--body-limit: ${expected}, got "lots"`],
    [() => sizeFlag('--body-limit', '0mb'), `--body-limit: ${expected}, got "0mb"`],
    [() => sizeFlag('--body-limit', '8gb'), `--body-limit: ${expected}, got "8gb"`],
    [() => sizeFlag('--body-limit', '1.5mb'), `--body-limit: ${expected}, got "1.5mb"`],
  ]);
});

describe('choiceFlag', () => {
  accepts([
    ['a choice', () => choiceFlag('--mode', 'fixed', ['fit', 'fixed']), 'fixed'],
    ['an absent flag as undefined', () => choiceFlag('--mode', undefined, ['fit', 'fixed']), undefined],
  ]);
  rejects([
    [() => choiceFlag('--mode', 'Fit', ['fit', 'fixed']), '--mode: expected fit or fixed, got "Fit"'],
    [
      () => choiceFlag('--policy', '', ['Always', 'IfNotPresent', 'Never']),
      '--policy: expected Always, IfNotPresent or Never, got ""',
    ],
  ]);
});

describe('modelRefFlag', () => {
  accepts([
    [
      'NAMESPACE/NAME',
      () => modelRefFlag('--model', 'shop/customers'),
      { namespace: 'shop', name: 'customers' },
    ],
    ['dotted names', () => modelRefFlag('--monitor', 'a.b/c-d.e'), { namespace: 'a.b', name: 'c-d.e' }],
  ]);
  const expected = 'expected NAMESPACE/NAME (Kubernetes names)';
  rejects([
    [() => modelRefFlag('--model', 'customers'), `--model: ${expected}, got "customers"`],
    [() => modelRefFlag('--model', 'a/b/c'), `--model: ${expected}, got "a/b/c"`],
    [() => modelRefFlag('--monitor', '/x'), `--monitor: ${expected}, got "/x"`],
    [() => modelRefFlag('--model', 'Shop/customers'), `--model: ${expected}, got "Shop/customers"`],
  ]);
});

describe('postgresUrlFlag', () => {
  const env = { PERSONA_DATA_URL: 'postgresql://u:pw@db/from-env', EMPTY: '' };
  accepts([
    ['postgres://', () => postgresUrlFlag('--registry', 'postgres://u:pw@db/r'), 'postgres://u:pw@db/r'],
    [
      'the flag over the variable',
      () => postgresUrlFlag('--postgres', 'postgres://db/f', { name: 'PERSONA_DATA_URL', env }),
      'postgres://db/f',
    ],
    [
      'the variable without the flag',
      () => postgresUrlFlag('--postgres', undefined, { name: 'PERSONA_DATA_URL', env }),
      env.PERSONA_DATA_URL,
    ],
    [
      'an empty variable as unset',
      () => postgresUrlFlag('--postgres', undefined, { name: 'EMPTY', env }),
      undefined,
    ],
    ['neither as undefined', () => postgresUrlFlag('--postgres', undefined), undefined],
  ]);
  const expected = 'expected a postgres:// or postgresql:// URL';
  rejects([
    [
      () => postgresUrlFlag('--registry', 'mysql://admin:s3cret@db/x'),
      `--registry: ${expected}, got a mysql:// URL`,
    ],
    [
      () => postgresUrlFlag('--postgres', 'admin:s3cret@db:5432/x'),
      `--postgres: ${expected}, got a value that is not a URL (not shown: it may hold a password)`,
    ],
    [
      () =>
        postgresUrlFlag('--postgres', undefined, {
          name: 'DB_URL',
          env: { DB_URL: 'postgress://u:s3cret@db/x' },
        }),
      `DB_URL: ${expected}, got a postgress:// URL`,
    ],
  ]);
});

describe('required', () => {
  accepts([['a given value', () => required('t', '--table NAME'), 't']]);
  rejects([
    [() => required(undefined, '--table NAME'), '--table NAME is required'],
    [() => required('', '--model NAMESPACE/NAME'), '--model NAMESPACE/NAME is required'],
  ]);
});
