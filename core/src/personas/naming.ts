// Persona names that survive retraining: new centroids are matched to reference personas (the
// previous version's, or the pre-defined ones) by minimum total distance, and clusters left
// without a match get a descriptive generated name that is listed for review.
import type { FeatureEncoding } from '../artifact/types.ts';
import { hungarian } from './hungarian.ts';

export interface ReferencePersona {
  name: string;
  /** Centroid in the new model's encoded space. */
  scaled: readonly number[];
}

export interface NamedCluster {
  /** Index of the cluster in the k-means result. */
  cluster: number;
  name: string;
  generated: boolean;
}

/**
 * Names k clusters (centroids k x d, row-major). Matched clusters come first in the reference
 * order, so persona ids stay stable across retrains; generated ones follow in cluster order.
 */
export function nameClusters(
  centroids: Float64Array,
  k: number,
  references: readonly ReferencePersona[],
  encodings: readonly FeatureEncoding[],
): NamedCluster[] {
  const d = centroids.length / k;
  const cost = Array.from({ length: k }, (_, c) =>
    references.map((ref) => {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const x = centroids[c * d + t] - ref.scaled[t];
        s += x * x;
      }
      return Math.sqrt(s);
    }),
  );
  const match = references.length > 0 ? hungarian(cost) : new Array<number>(k).fill(-1);
  const taken = new Set(references.map((r) => r.name));
  const matched: { cluster: number; ref: number }[] = [];
  const unmatched: number[] = [];
  match.forEach((ref, cluster) => (ref >= 0 ? matched.push({ cluster, ref }) : unmatched.push(cluster)));
  matched.sort((a, b) => a.ref - b.ref);
  const out: NamedCluster[] = matched.map((m) => ({
    cluster: m.cluster,
    name: references[m.ref].name,
    generated: false,
  }));
  for (const cluster of unmatched) {
    const base = describeCentroid(centroids.subarray(cluster * d, cluster * d + d), encodings);
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base} (${i})`;
    taken.add(name);
    out.push({ cluster, name, generated: true });
  }
  return out;
}

/**
 * A readable name from the two numeric features furthest from the average (in standard
 * deviations), e.g. "High income, low age"; "Average customer" when nothing stands out.
 */
export function describeCentroid(scaled: ArrayLike<number>, encodings: readonly FeatureEncoding[]): string {
  const traits: { name: string; z: number }[] = [];
  let offset = 0;
  for (const enc of encodings) {
    if (enc.type === 'numeric') {
      traits.push({ name: enc.name, z: scaled[offset] });
      offset += 1;
    } else {
      offset += enc.categories.length;
    }
  }
  const notable = traits
    .filter((t) => Math.abs(t.z) >= 0.25)
    .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
    .slice(0, 2);
  if (notable.length === 0) return 'Average customer';
  const words = notable.map((t) => `${t.z > 0 ? 'high' : 'low'} ${t.name}`).join(', ');
  return words[0].toUpperCase() + words.slice(1);
}
