// The persona diff between two registered versions for `persona versions --diff A B`: the diff
// the trainer stored for that pair when there is one (what the promotion gate judged), else one
// computed now from both artifacts on the sample the trainer would draw today.
import { personaDiff, PersonaDiffError, type PersonaDiff } from '@persona-operator/core/personas/diff';
import { diffSample } from '@persona-operator/jobs/trainer/diff';
import type { ModelRef, Registry } from '@persona-operator/registry';
import { CliError } from './errors.ts';

/** stored: read from the registry, as judged at training time; computed: made for this call. */
export type VersionDiffResult =
  { diff: PersonaDiff; origin: 'stored'; storedAt: Date } | { diff: PersonaDiff; origin: 'computed' };

export async function versionDiff(
  registry: Registry,
  model: ModelRef,
  from: number,
  to: number,
  now: Date = new Date(),
): Promise<VersionDiffResult> {
  if (from === to) throw new CliError(`--diff: the two versions must differ, got ${from} twice`);
  const stored = await registry.getVersionDiff(model, from, to);
  if (stored) return { diff: stored.diff, origin: 'stored', storedAt: stored.createdAt };
  const [older, newer] = await Promise.all(
    [from, to].map(async (version) => ({
      version,
      artifact: await registry.loadArtifact({ ...model, version }),
    })),
  );
  const sample = await diffSample(registry, {
    model,
    production: older,
    candidate: newer,
    seed: newer.artifact.training.seed,
    now,
  });
  try {
    return { diff: personaDiff(older, newer, sample), origin: 'computed' };
  } catch (err) {
    if (err instanceof PersonaDiffError) throw new CliError(err.message);
    throw err;
  }
}
