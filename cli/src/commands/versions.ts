// `persona versions`: the versions of one model, newest last, one per line beginning with its
// number, with their metrics, aliases, trigger and data (`--data` adds a line per data part:
// query or window, rows, hash), or the persona diff between two of them; `--json` for scripts,
// with the whole lineage.
import { REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import { parseArgs } from 'node:util';
import { describeDataParts, Registry, type ModelVersion } from '@persona-operator/registry';
import type { Command } from '../main.ts';
import { formatVersionDiff } from '../diff-print.ts';
import { CliError } from '../errors.ts';
import { intFlag, modelRefFlag, required, type ModelRef } from '../flags.ts';
import { registryUrl, withRegistryErrors } from '../registry-args.ts';
import { versionDiff } from '../version-diff.ts';

const usage = `Usage: persona versions --registry URL --model NAMESPACE/NAME [--data] [--json]
       persona versions --registry URL --model NAMESPACE/NAME --diff A B [--json]

Lists the registered versions of a model with their metrics, aliases, what triggered each
training (spec, schedule, manual, drift:<report id>) and its data (choice and rows per part).
With --diff, shows
the persona diff from version A to version B: matched personas and how far their centroids
moved, new, retired, split and merged personas, churn, adjusted Rand index and persona mix.
The diff stored when B was trained against A (production then) is shown as stored; any
other pair is computed from both artifacts.

Options:
  --registry URL   Postgres URL of the registry (default: env ${REGISTRY_URL_ENV})
  --model NS/NAME  the model, e.g. shop/customers
  --data           also print each version's data parts: query or window, rows, sha256
  --diff A B       the persona diff between versions A and B
  --json           print JSON (the versions as an array, or the diff)`;

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
    `trigger=${triggerWord(v)}`,
    `data=${v.lineage ? `${v.lineage.data.choice}(${v.lineage.data.parts.map((p) => p.rows).join('+')})` : '-'}`,
  ].join('  ');
}

/** spec, schedule, manual or drift:<report id>; "-" for a version registered without lineage. */
function triggerWord(v: ModelVersion): string {
  const t = v.lineage?.trigger;
  if (!t) return '-';
  return t.kind === 'drift' ? `drift:${t.driftReportId ?? '?'}` : t.kind;
}

/** The two version numbers of `--diff A B`. */
function diffVersions(flag: string | undefined, positionals: string[]): [number, number] {
  if (flag === undefined || positionals.length !== 1) {
    throw new CliError(
      `--diff: expected two version numbers (--diff A B), got ${[flag, ...positionals].filter((x) => x !== undefined).length}`,
    );
  }
  return [intFlag('--diff', flag, { min: 1 }), intFlag('--diff', positionals[0], { min: 1 })];
}

async function showDiff(url: string, model: ModelRef, [from, to]: [number, number], json: boolean) {
  const result = await withRegistryErrors(async () => {
    const registry = await Registry.connect(url, { applicationName: 'persona-versions', max: 1 });
    try {
      return await versionDiff(registry, model, from, to);
    } finally {
      await registry.close();
    }
  });
  if (json) {
    const { diff, ...origin } = result;
    process.stdout.write(`${JSON.stringify({ ...origin, ...diff }, null, 2)}\n`);
  } else {
    process.stdout.write(formatVersionDiff(`${model.namespace}/${model.name}`, result));
  }
  return 0;
}

export const command: Command = {
  summary: 'list the versions of a model in the registry: metrics, aliases, trigger and data',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        registry: { type: 'string' },
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
        diff: { type: 'string' },
        data: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    const url = registryUrl(values.registry);
    const model = modelRefFlag('--model', required(values.model, '--model NAMESPACE/NAME'));
    if (values.diff !== undefined || positionals.length > 0) {
      return showDiff(url, model, diffVersions(values.diff, positionals), values.json);
    }
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
      for (const v of versions) {
        process.stdout.write(`${formatVersionLine(v)}\n`);
        if (values.data && v.lineage)
          for (const part of describeDataParts(v.lineage)) process.stdout.write(`      ${part}\n`);
      }
    }
    return 0;
  },
};
