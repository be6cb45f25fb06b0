// The persona diff between two versions of a model: which personas match (the same minimum
// total distance matching that keeps names across retrains), how far their centroids moved,
// which personas are new, retired, split or merged, and, on one sample of rows labelled by
// both versions, how many rows change persona (churn), the adjusted Rand index and the mix.
import { Type, type Static } from 'typebox';
import type { FeatureEncoding, ModelArtifact, RawValue, ReferenceSample } from '../artifact/types.ts';
import { adjustedRandIndex } from '../cluster-metrics/rand-index.ts';
import { InputError } from '../data/input-error.ts';
import { StringEnum, StringMap } from '../schema/types.ts';
import { createScorer, RowError } from '../scoring/scorer.ts';
import { hungarian } from './hungarian.ts';

/** A production persona is split when two or more new personas each take this share of its rows. */
export const SPLIT_SHARE = 0.25;
/** A new persona is a merge when it takes more than this share of each of two or more old personas' rows. */
export const MERGE_SHARE = 0.5;
/** Below this many sample rows a persona's destinations are noise: it is never called split or merged. */
export const MIN_STRUCTURE_ROWS = 10;

const Name = Type.String({ minLength: 1 });
const Share = Type.Number({ minimum: 0, maximum: 1 });
const PersonaShareSchema = Type.Object({ persona: Name, share: Share });
export type PersonaShareEntry = Static<typeof PersonaShareSchema>;

export const DiffSampleSourceSchema = StringEnum(['training', 'predictions'], {
  description:
    "training: a seeded sample of the newer version's training rows; predictions: recent logged requests.",
});
export type DiffSampleSource = Static<typeof DiffSampleSourceSchema>;

export const PersonaDiffSchema = Type.Object({
  fromVersion: Type.Integer({ minimum: 1, description: 'The older version (production when stored).' }),
  toVersion: Type.Integer({ minimum: 1, description: 'The newer version (the candidate when stored).' }),
  matched: Type.Array(
    Type.Object({
      from: Name,
      to: Name,
      distance: Type.Number({ minimum: 0, description: 'Centroid distance in standardised units.' }),
      shift: StringMap(Type.Number(), {
        description:
          "Per feature, how far the centroid moved in the newer version's standard deviations (numeric: signed; categorical: length of the change in category shares).",
      }),
    }),
  ),
  new: Type.Array(Name, { description: 'Personas of the newer version that match none of the older one.' }),
  retired: Type.Array(Name, {
    description: 'Personas of the older version that match none of the newer one.',
  }),
  split: Type.Array(Type.Object({ persona: Name, into: Type.Array(PersonaShareSchema, { minItems: 2 }) }), {
    description:
      "Older personas whose sample rows now go to two or more newer ones (share of the older persona's rows).",
  }),
  merged: Type.Array(Type.Object({ persona: Name, from: Type.Array(PersonaShareSchema, { minItems: 2 }) }), {
    description:
      "Newer personas that take most rows of two or more older ones (share of each older persona's rows).",
  }),
  sample: Type.Object({
    source: DiffSampleSourceSchema,
    rows: Type.Integer({ minimum: 0, description: 'Rows both versions could label.' }),
    skipped: Type.Integer({ minimum: 0, description: 'Rows one of the versions could not label.' }),
  }),
  churn: Type.Union([Share, Type.Null()], {
    description:
      'Share of sample rows whose persona is not the match of their old persona; null without rows.',
  }),
  adjustedRandIndex: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()], {
    description: 'Agreement of the two labelings of the sample (1: the same partition); null without rows.',
  }),
  mix: Type.Object({
    from: Type.Array(PersonaShareSchema, { description: 'Share of sample rows per older persona.' }),
    to: Type.Array(PersonaShareSchema, { description: 'Share of sample rows per newer persona.' }),
  }),
});
export type PersonaDiff = Static<typeof PersonaDiffSchema>;

export interface DiffedVersion {
  version: number;
  artifact: ModelArtifact;
}

export interface DiffSample extends ReferenceSample {
  source: DiffSampleSource;
}

/** The two versions cannot be compared (different features, unusable sample). */
export class PersonaDiffError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'PersonaDiffError';
  }
}

function sameFeatures(a: readonly FeatureEncoding[], b: readonly FeatureEncoding[]): boolean {
  const types = new Map(a.map((f) => [f.name, f.type] as const));
  return a.length === b.length && b.every((f) => types.get(f.name) === f.type);
}

/**
 * An older persona's centroid in the newer version's encoded space: numeric features through raw
 * units, categorical ones as the older centroid's category shares (categories the newer version
 * lacks are dropped, new ones start at 0).
 */
function inNewerSpace(
  scaled: readonly number[],
  older: readonly FeatureEncoding[],
  newer: readonly FeatureEncoding[],
): number[] {
  const olderAt = new Map<string, { enc: FeatureEncoding; offset: number }>();
  let offset = 0;
  for (const enc of older) {
    olderAt.set(enc.name, { enc, offset });
    offset += enc.type === 'numeric' ? 1 : enc.categories.length;
  }
  const out: number[] = [];
  for (const enc of newer) {
    const o = olderAt.get(enc.name)!;
    if (enc.type === 'numeric' && o.enc.type === 'numeric') {
      const raw = scaled[o.offset] * o.enc.scale + o.enc.mean;
      out.push((raw - enc.mean) / enc.scale);
    } else if (enc.type === 'categorical' && o.enc.type === 'categorical') {
      const oldCats = o.enc.categories;
      for (const c of enc.categories) {
        const j = oldCats.indexOf(c);
        out.push(j < 0 ? 0 : scaled[o.offset + j]);
      }
    }
  }
  return out;
}

function featureShifts(a: readonly number[], b: readonly number[], encodings: readonly FeatureEncoding[]) {
  const shift: Record<string, number> = {};
  let offset = 0;
  for (const enc of encodings) {
    if (enc.type === 'numeric') {
      shift[enc.name] = b[offset] - a[offset];
      offset += 1;
    } else {
      let s = 0;
      for (let c = 0; c < enc.categories.length; c++) s += (b[offset + c] - a[offset + c]) ** 2;
      shift[enc.name] = Math.sqrt(s);
      offset += enc.categories.length;
    }
  }
  return shift;
}

const distance = (a: readonly number[], b: readonly number[]) =>
  Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));

/** Labels every sample row with both versions' nearest persona; rows either cannot score are skipped. */
function labelSample(older: ModelArtifact, newer: ModelArtifact, sample: ReferenceSample) {
  const olderScorer = createScorer(older);
  const newerScorer = createScorer(newer);
  for (const name of olderScorer.featureNames) {
    if (!sample.columns.includes(name)) {
      throw new PersonaDiffError(`the diff sample has no column "${name}"`);
    }
  }
  const olderLabels: number[] = [];
  const newerLabels: number[] = [];
  let skipped = 0;
  sample.rows.forEach((values, i) => {
    const row: Record<string, RawValue> = {};
    for (const name of olderScorer.featureNames) row[name] = values[sample.columns.indexOf(name)];
    try {
      const a = olderScorer.predictOne(row, i).personaId;
      const b = newerScorer.predictOne(row, i).personaId;
      olderLabels.push(older.personas.findIndex((p) => p.id === a));
      newerLabels.push(newer.personas.findIndex((p) => p.id === b));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      skipped++;
    }
  });
  return { olderLabels, newerLabels, skipped };
}

const shares = (counts: readonly number[], total: number, names: readonly string[]): PersonaShareEntry[] =>
  names.map((persona, i) => ({ persona, share: total > 0 ? counts[i] / total : 0 }));

/**
 * The diff from `older` to `newer` on `sample` (raw rows; its columns must include every feature).
 * @throws PersonaDiffError when the versions have different features or the sample lacks one.
 */
export function personaDiff(older: DiffedVersion, newer: DiffedVersion, sample: DiffSample): PersonaDiff {
  const a = older.artifact;
  const b = newer.artifact;
  if (!sameFeatures(a.features, b.features)) {
    const names = (x: ModelArtifact) => x.features.map((f) => `${f.name} (${f.type})`).join(', ');
    throw new PersonaDiffError(
      `versions ${older.version} and ${newer.version} have different features: ${names(a)} vs ${names(b)}`,
    );
  }
  const olderCentroids = a.personas.map((p) => inNewerSpace(p.scaled, a.features, b.features));
  const newerCentroids = b.personas.map((p) => p.scaled);
  const cost = olderCentroids.map((c) => newerCentroids.map((n) => distance(c, n)));
  // A pair holds only while the new centroid is still nearest to its production persona (it
  // sits in the region the production version calls by that name); otherwise the production
  // persona is retired and the new one is new, whatever name the new version carries.
  const nearestOlder = newerCentroids.map((_, j) =>
    cost.reduce((best, row, i) => (row[j] < cost[best][j] ? i : best), 0),
  );
  const pairOf = hungarian(cost).map((j, i) => (j >= 0 && nearestOlder[j] === i ? j : -1));
  const matchedNewer = new Set(pairOf.filter((j) => j >= 0));

  const { olderLabels, newerLabels, skipped } = labelSample(a, b, sample);
  const ka = a.personas.length;
  const kb = b.personas.length;
  const counts = Array.from({ length: ka }, () => new Array<number>(kb).fill(0));
  let changed = 0;
  olderLabels.forEach((i, r) => {
    const j = newerLabels[r];
    counts[i][j]++;
    if (pairOf[i] !== j) changed++;
  });
  const rows = olderLabels.length;
  const olderTotals = counts.map((row) => row.reduce((s, c) => s + c, 0));
  const newerTotals = Array.from({ length: kb }, (_, j) => counts.reduce((s, row) => s + row[j], 0));
  const olderNames = a.personas.map((p) => p.name);
  const newerNames = b.personas.map((p) => p.name);

  const split = olderNames.flatMap((persona, i) => {
    if (olderTotals[i] < MIN_STRUCTURE_ROWS) return [];
    const into = newerNames
      .map((name, j) => ({ persona: name, share: counts[i][j] / olderTotals[i] }))
      .filter((s) => s.share >= SPLIT_SHARE);
    return into.length >= 2 ? [{ persona, into }] : [];
  });
  const merged = newerNames.flatMap((persona, j) => {
    const from = olderNames
      .map((name, i) => ({ persona: name, share: olderTotals[i] > 0 ? counts[i][j] / olderTotals[i] : 0 }))
      .filter((s, i) => olderTotals[i] >= MIN_STRUCTURE_ROWS && s.share > MERGE_SHARE);
    return from.length >= 2 ? [{ persona, from }] : [];
  });

  return {
    fromVersion: older.version,
    toVersion: newer.version,
    matched: pairOf.flatMap((j, i) =>
      j < 0
        ? []
        : [
            {
              from: olderNames[i],
              to: newerNames[j],
              distance: cost[i][j],
              shift: featureShifts(olderCentroids[i], newerCentroids[j], b.features),
            },
          ],
    ),
    new: newerNames.filter((_, j) => !matchedNewer.has(j)),
    retired: olderNames.filter((_, i) => pairOf[i] < 0),
    split,
    merged,
    sample: { source: sample.source, rows, skipped },
    churn: rows > 0 ? changed / rows : null,
    adjustedRandIndex: rows > 0 ? adjustedRandIndex(counts) : null,
    mix: { from: shares(olderTotals, rows, olderNames), to: shares(newerTotals, rows, newerNames) },
  };
}

/** New, retired, split and merged personas: what `allowPersonaChanges: false` refuses. */
export function personaChanges(diff: PersonaDiff): string[] {
  const list = (xs: readonly string[]) => xs.join(', ');
  return [
    ...(diff.new.length ? [`new ${list(diff.new)}`] : []),
    ...(diff.retired.length ? [`retired ${list(diff.retired)}`] : []),
    ...diff.split.map((s) => `split ${s.persona} into ${list(s.into.map((x) => x.persona))}`),
    ...diff.merged.map((m) => `merged ${list(m.from.map((x) => x.persona))} into ${m.persona}`),
  ];
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** One line for status, Events and the CLI: churn, ARI, the largest shift and the persona changes. */
export function summarizeDiff(diff: PersonaDiff): string {
  const parts = [`version ${diff.toVersion} vs ${diff.fromVersion}:`];
  parts.push(
    diff.churn === null
      ? 'no sample rows to measure churn'
      : `churn ${percent(diff.churn)} of ${diff.sample.rows} ${diff.sample.source} rows, ARI ${diff.adjustedRandIndex!.toFixed(3)}`,
  );
  const moved = [...diff.matched].sort((x, y) => y.distance - x.distance)[0];
  if (moved) parts.push(`largest centroid shift ${moved.distance.toFixed(2)} (${moved.to})`);
  const changes = personaChanges(diff);
  parts.push(changes.length ? changes.join('; ') : 'no new, retired, split or merged personas');
  return `${parts[0]} ${parts.slice(1).join(', ')}`;
}
