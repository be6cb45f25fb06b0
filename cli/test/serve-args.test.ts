// `persona serve` flags and environment, as the predictor's configuration.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServeArgs } from '../src/commands/serve.ts';
import { CliError } from '../src/errors.ts';

describe('persona serve arguments', () => {
  const NO_ENV = {};

  test('registry, model and version from flags or the pod environment', () => {
    const fromFlags = parseServeArgs(
      ['--registry', 'postgres://r@db/x', '--model', 'shop/customers', '--version', '4'],
      NO_ENV,
    );
    assert.deepEqual(
      [fromFlags.registryUrl, fromFlags.model],
      [
        'postgres://r@db/x',
        {
          kind: 'registry',
          ref: { namespace: 'shop', name: 'customers', version: 4 },
          servedName: undefined,
        },
      ],
    );
    assert.deepEqual([fromFlags.port, fromFlags.host, fromFlags.predictionLog], [8080, '0.0.0.0', undefined]);
    const fromEnv = parseServeArgs(['--model', 'shop/customers', '--log-predictions'], {
      PERSONA_REGISTRY_URL: 'postgres://r@db/y',
      MODEL_VERSION: '5',
      PERSONA_BIND_ADDRESS: '127.0.3.4',
    });
    assert.deepEqual(
      [fromEnv.registryUrl, fromEnv.model.kind === 'registry' && fromEnv.model.ref.version, fromEnv.host],
      ['postgres://r@db/y', 5, '127.0.3.4'],
    );
    assert.deepEqual(fromEnv.predictionLog, { maxQueue: 10_000, batchSize: 500, flushIntervalMs: 1000 });
  });

  test('a model file takes its identity from --model and --version, or --name', () => {
    const named = parseServeArgs(
      ['--model-file', 'm.json', '--model', 'shop/customers', '--version', '3'],
      NO_ENV,
    );
    assert.deepEqual(named.model, {
      kind: 'file',
      path: 'm.json',
      identity: { name: 'customers', namespace: 'shop', version: 3 },
    });
    const renamed = parseServeArgs(['--model-file', 'm.json', '--name', 'shoppers'], NO_ENV);
    assert.deepEqual(renamed.model, {
      kind: 'file',
      path: 'm.json',
      identity: { name: 'shoppers', namespace: undefined, version: undefined },
    });
  });

  test('sizes and durations', () => {
    const c = parseServeArgs(
      [
        '--model-file',
        'm.json',
        '--body-limit',
        '512kb',
        '--drain-delay',
        '1.5s',
        '--log-flush-interval',
        '250ms',
        '--log-predictions',
        '--registry',
        'postgres://r@db/x',
        '--max-batch',
        '100',
      ],
      NO_ENV,
    );
    assert.deepEqual(
      [c.bodyLimit, c.drainDelayMs, c.predictionLog?.flushIntervalMs, c.maxBatch],
      [512 * 1024, 1500, 250, 100],
    );
  });

  test('bad arguments name the flag', () => {
    const cases: [string[], RegExp][] = [
      [[], /give --model-file, or --registry URL/],
      [
        ['--registry', 'postgres://x@h/db', '--model', 'customers', '--version', '1'],
        /--model: expected NAMESPACE\/NAME/,
      ],
      [
        ['--registry', 'postgres://x@h/db', '--model', 'shop/customers'],
        /--version N \(or MODEL_VERSION\) is required/,
      ],
      [
        ['--registry', 'postgres://x@h/db', '--model', 'shop/customers', '--version', 'two'],
        /--version: expected an integer >= 1, got "two"/,
      ],
      [['--model-file', 'm.json', '--body-limit', 'lots'], /--body-limit: expected a size/],
      [['--model-file', 'm.json', '--drain-delay', 'soon'], /--drain-delay: expected a duration/],
      [['--model-file', 'm.json', '--port', '70000'], /--port: expected an integer from 0 to 65535/],
      [['--model-file', 'm.json', '--log-level', 'loud'], /--log-level: expected fatal, .* or silent/],
      [['--model-file', 'm.json', '--log-queue-size', '0'], /--log-queue-size: expected an integer >= 1/],
      [['--model-file', 'm.json', '--log-predictions'], /--log-predictions writes to the registry/],
      [['--model-file', 'm.json', '--version', '3'], /--version without --model/],
    ];
    for (const [args, message] of cases) {
      assert.throws(
        () => parseServeArgs(args, NO_ENV),
        (err: unknown) => err instanceof CliError && err.exitCode === 2 && message.test(err.message),
        args.join(' '),
      );
    }
    assert.throws(
      () => parseServeArgs(['--model-file', 'm.json', '--bogus'], NO_ENV),
      /Unknown option '--bogus'/,
    );
  });
});
