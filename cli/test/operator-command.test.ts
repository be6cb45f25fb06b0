// `persona operator` refuses bad configuration before touching any cluster: each error names
// the flag (or variable) and exits 2.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { command } from '../src/commands/operator.ts';
import { CliError } from '../src/errors.ts';

const DB = 'postgres://persona@127.0.0.1:1/none';

async function refused(argv: string[], env: Record<string, string | undefined>, message: RegExp) {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    await assert.rejects(command.run(argv), (err: unknown) => {
      assert.ok(err instanceof CliError, `expected a CliError, got ${String(err)}`);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, message);
      return true;
    });
  } finally {
    process.env = saved;
  }
}

describe('persona operator: bad configuration', () => {
  test('no registry URL', () =>
    refused(
      [],
      { PERSONA_REGISTRY_URL: undefined },
      /--registry URL \(or PERSONA_REGISTRY_URL\) is required/,
    ));

  test('a registry URL that is not Postgres, named by where it came from, without its password', async () => {
    await refused(
      ['--registry', 'mysql://admin:s3cret@db:3306/x?password=s3cret'],
      {},
      /^--registry: expected a postgres:\/\/ or postgresql:\/\/ URL, got a mysql:\/\/ URL$/,
    );
    await refused([], { PERSONA_REGISTRY_URL: 'db:5432' }, /^PERSONA_REGISTRY_URL: expected a postgres:\/\//);
  });

  test('a default registry Secret without a key', () =>
    refused(
      ['--registry', DB, '--default-registry-secret', 'persona-registry'],
      {},
      /--default-registry-secret: expected NAME\/KEY/,
    ));

  test('renew deadline not shorter than the lease', () =>
    refused(
      ['--registry', DB, '--lease-duration', '4', '--renew-deadline', '4'],
      {},
      /--renew-deadline must be shorter than --lease-duration/,
    ));

  test('a non-numeric port', () =>
    refused(
      ['--registry', DB, '--health-port', 'http'],
      {},
      /--health-port: expected an integer from 0 to 65535, got "http"/,
    ));

  test('--leader-elect with a value other than true or false', () =>
    refused(
      ['--registry', DB, '--leader-elect=yes'],
      {},
      /--leader-elect: expected true or false, got "yes"/,
    ));

  test('an unknown image pull policy', () =>
    refused(
      ['--registry', DB],
      { PERSONA_IMAGE_PULL_POLICY: 'Sometimes' },
      /PERSONA_IMAGE_PULL_POLICY: expected Always, IfNotPresent or Never, got "Sometimes"/,
    ));

  test('a kubeconfig that does not exist', () =>
    refused(['--registry', DB, '--kubeconfig', '/nonexistent/kubeconfig'], {}, /cannot load the kubeconfig/));
});
