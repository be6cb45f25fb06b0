// What version 2 learned from March, read back from the registry.
import { describeDataParts, describeDataShort, describeTrigger } from '@persona-operator/registry';
import type { E2e } from '../../test/e2e/support.ts';
import { DemoError, detail, pad } from './output.ts';

/** Features March moved for every persona (the seed scenario's shock), and which way. */
export const MARCH_MOVES: readonly [string, 'down' | 'up'][] = [
  ['income', 'down'],
  ['monthly_spend', 'down'],
  ['price_sensitivity', 'up'],
  ['eco_score', 'down'],
];

/**
 * What version 2 learned: its trigger and data as the registry's lineage records them, and for
 * each persona both versions name, how its centroid moved in the features March shifted.
 */
export async function printRetrainedPersonas(e: E2e, name: string): Promise<void> {
  const ref = { namespace: e.namespace, name };
  const [v1, v2] = await Promise.all([1, 2].map((version) => e.registry.getVersion({ ...ref, version })));
  detail(
    `version 2: triggered by ${describeTrigger(v2.lineage?.trigger)}, trained on ${describeDataShort(v2.lineage)}`,
  );
  for (const part of v2.lineage ? describeDataParts(v2.lineage) : []) detail(`  ${part}`);
  const [a1, a2] = await Promise.all([v1, v2].map((v) => e.registry.loadArtifact(v)));
  const before = new Map(a1.personas.map((p) => [p.name, p.centroid]));
  const kept = a2.personas.filter((p) => before.has(p.name));
  detail(
    `persona names kept: ${kept.length} of ${a2.personas.length} (${
      a2.personas
        .filter((p) => !before.has(p.name))
        .map((p) => `${p.name} new`)
        .join(', ') || 'none new'
    })`,
  );
  detail(
    `centroids, version 1 → version 2 (March: income ×0.8, spend ×0.7, price sensitivity +1.8, eco score -1.5):`,
  );
  let toward = 0;
  let moves = 0;
  for (const p of kept) {
    const old = before.get(p.name)!;
    const cells = MARCH_MOVES.map(([feature, way]) => {
      const from = Number(old[feature]);
      const to = Number(p.centroid[feature]);
      moves++;
      if (way === 'down' ? to < from : to > from) toward++;
      return `${feature} ${from.toFixed(1)} → ${to.toFixed(1)}`;
    });
    detail(`  ${pad(p.name, 20)} ${cells.join(', ')}`);
  }
  detail(`${toward} of ${moves} of these moved the way March moved`);
  if (toward * 2 <= moves)
    throw new DemoError('version 2 did not move toward March: was it trained on March?');
}
