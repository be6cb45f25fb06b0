// `persona migrate`: brings the registry schema up to date. Safe to run from several places at
// once (an init container per replica, a Job, a person), see registry/src/migrate.ts.
import { REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import { parseArgs } from 'node:util';
import { migrate } from '@persona-operator/registry';
import type { Command } from '../main.ts';
import { registryUrl, withRegistryErrors } from '../registry-args.ts';

const usage = `Usage: persona migrate --registry URL

Applies the registry's schema migrations (idempotent; concurrent runs are safe).

Options:
  --registry URL   Postgres URL of the registry (default: env ${REGISTRY_URL_ENV})`;

export const command: Command = {
  summary: 'create or upgrade the model registry schema in Postgres',
  usage,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { registry: { type: 'string' } }, strict: true });
    const url = registryUrl(values.registry);
    const result = await withRegistryErrors(() => migrate(url));
    if (result.applied.length === 0) {
      process.stdout.write(`registry schema is up to date (version ${result.to})\n`);
    } else {
      process.stdout.write(
        `registry schema migrated from version ${result.from} to ${result.to}: ${result.applied.join(', ')}\n`,
      );
    }
    return 0;
  },
};
