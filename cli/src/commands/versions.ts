// `persona versions`: the versions of one model, newest last, one per line beginning with its
// number, with their metrics and aliases; `--json` for scripts.
import { REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import { parseArgs } from 'node:util';
import { Registry, type ModelVersion } from '@persona-operator/registry';
import type { Command } from '../main.ts';
import { modelRefFlag, required } from '../flags.ts';
import { registryUrl, withRegistryErrors } from '../registry-args.ts';

const usage = `Usage: persona versions --registry URL --model NAMESPACE/NAME [--json]

Lists the registered versions of a model with their metrics and aliases.

Options:
  --registry URL   Postgres URL of the registry (default: env ${REGISTRY_URL_ENV})
  --model NS/NAME  the model, e.g. shop/customers
  --json           print a JSON array instead of one line per version`;

const fixed = (v: number | null | undefined, digits: number): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

export function formatVersionLine(v: ModelVersion): string {
  const created = v.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    String(v.version).padEnd(4),
    created,
    v.status.padEnd(8),
    `k=${v.metrics.k}`,
    `silhouette=${fixed(v.metrics.silhouette, 4)}`,
    `inertia=${fixed(v.metrics.inertia, 2)}`,
    `rows=${typeof v.params.rows === 'number' ? v.params.rows : '-'}`,
    `aliases=${v.aliases.length ? v.aliases.join(',') : '-'}`,
  ].join('  ');
}

export const command: Command = {
  summary: 'list the versions of a model in the registry, with metrics and aliases',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        registry: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    });
    const url = registryUrl(values.registry);
    const model = modelRefFlag('--model', required(values.model, '--model NAMESPACE/NAME'));
    const versions = await withRegistryErrors(async () => {
      const registry = await Registry.connect(url, { applicationName: 'persona-versions', max: 1 });
      try {
        return await registry.listVersions(model);
      } finally {
        await registry.close();
      }
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(versions, null, 2)}\n`);
    } else if (versions.length === 0) {
      process.stderr.write(`${model.namespace}/${model.name} has no versions yet\n`);
    } else {
      for (const v of versions) process.stdout.write(`${formatVersionLine(v)}\n`);
    }
    return 0;
  },
};
