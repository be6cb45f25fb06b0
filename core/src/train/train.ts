// The one training entry point for in-memory tables (CLI, trainer Job, benchmark): table + spec -> model artifact.
import type { FeatureEncoding, ModelArtifact, Persona } from '../artifact/types.ts';
import { silhouetteScores, type SilhouetteOptions } from '../cluster-metrics/silhouette.ts';
import type { Table } from '../data/table.ts';
import { encodeTable, fitEncoding } from '../encoding/encoding.ts';
import { assign, type Points } from '../kmeans/points.ts';
import { chooseWorkers, openPool } from '../kmeans/pool.ts';
import { kmeansSweep, type RestartProgress } from '../kmeans/sweep.ts';
import { nameClusters } from '../personas/naming.ts';
import { referenceStats } from '../drift/personas/reference.ts';
import { assembleArtifact } from './artifact-parts.ts';
import { chooseK, metricsFor, type KChoice } from './choose-k.ts';
import { flatten } from './flatten.ts';
import { fixedCentroids, personasOf, referencePersonas } from './personas.ts';
import { referenceSampleRows, rowsOf } from './reference-sample.ts';
import { validateSpec, type TrainSpec } from './spec.ts';
import { hashTable } from './table-hash.ts';

export type TrainProgress =
  | ({ phase: 'restart' } & RestartProgress)
  | { phase: 'metrics'; ks: number[]; silhouetteRows: number }
  | { phase: 'done'; k: number; durationMs: number; threads: number };

export interface TrainOptions {
  onProgress?: (event: TrainProgress) => void;
}

/** The persona of every training row and its distance, under the final personas' centroids. */
function trainingAssignment(
  points: Points,
  personas: readonly Persona[],
): { labels: Int32Array; distances: Float64Array } {
  const centroids = flatten(
    personas.map((p) => p.scaled),
    points.d,
  );
  const labels = new Int32Array(points.n);
  const distances = new Float64Array(points.n);
  assign(points, centroids, personas.length, labels, distances);
  for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
  return { labels, distances };
}

/**
 * The sweep and the choice of k on one pool: the workers start once and serve both the
 * restarts and the silhouette pair pass.
 */
async function sweepAndChoose(
  points: Points,
  spec: TrainSpec,
  silOpts: SilhouetteOptions,
  onRestart: (e: RestartProgress) => void,
  onSweepDone: (ks: number[]) => void,
): Promise<KChoice> {
  const restarts = (spec.k.max - spec.k.min + 1) * spec.nInit;
  const pool = openPool(points, spec.workers ?? chooseWorkers(points, restarts));
  try {
    const sweep = await kmeansSweep(points, {
      kMin: spec.k.min,
      kMax: spec.k.max,
      nInit: spec.nInit,
      seed: spec.seed,
      pool,
      onProgress: onRestart,
    });
    const winners = [...sweep.values()];
    onSweepDone(winners.map((r) => r.k));
    return await chooseK(pool, points, winners, silOpts);
  } finally {
    await pool.close();
  }
}

/** The table encoded for training, with the silhouette settings every way of fitting scores with. */
export interface TrainingInput {
  encodings: FeatureEncoding[];
  points: Points;
  silOpts: SilhouetteOptions;
  /** Rows the silhouettes are computed on. */
  silhouetteRows: number;
}

/** Checks the spec against the table and encodes the table as training sees it. */
export function trainingInput(table: Table, spec: TrainSpec): TrainingInput {
  validateSpec(table, spec);
  const encodings = fitEncoding(table, spec.features);
  const points = encodeTable(table, encodings);
  const sampleSize = spec.silhouetteSampleSize ?? 10_000;
  return {
    encodings,
    points,
    silOpts: { sampleSize, seed: spec.seed },
    silhouetteRows: Math.min(sampleSize, points.n),
  };
}

/** A clustering chosen and named, before it becomes an artifact. */
interface NamedClustering {
  choice: KChoice;
  naming: { cluster: number; name: string; generated: boolean }[];
  kRange: { min: number; max: number };
}

/** The k-means clustering of `choice`, its clusters named after the reference personas. */
function namedFit(spec: TrainSpec, input: TrainingInput, choice: KChoice): NamedClustering {
  const { encodings } = input;
  const naming = nameClusters(
    choice.centroids,
    choice.chosen.k,
    referencePersonas(spec, encodings),
    encodings,
  );
  return { choice, naming, kRange: { min: spec.k.min, max: spec.k.max } };
}

/** The pre-defined personas as the model, scored like a k-means clustering. */
function fixedClustering(spec: TrainSpec, input: TrainingInput): NamedClustering {
  const { points, encodings } = input;
  const defs = spec.personas ?? [];
  const k = defs.length;
  const centroids = fixedCentroids(defs, encodings);
  const labels = new Int32Array(points.n);
  const inertia = assign(points, centroids, k, labels);
  const [sil] = k >= 2 ? silhouetteScores(points, [{ labels, k }], input.silOpts) : [null];
  const chosen = metricsFor(points, labels, k, inertia, sil);
  return {
    choice: { perK: [chosen], chosen, centroids },
    naming: defs.map((p, cluster) => ({ cluster, name: p.name, generated: false })),
    kRange: { min: k, max: k },
  };
}

/** The artifact of a named clustering: personas, the training rows' assignment for drift checks. */
function artifactOf(
  table: Table,
  spec: TrainSpec,
  input: TrainingInput,
  named: NamedClustering,
  started: number,
  threads: number,
  onProgress: TrainOptions['onProgress'],
): ModelArtifact {
  const { choice } = named;
  const personas = personasOf(named.naming, choice.centroids, input.encodings);
  if (spec.mode === 'fixed') {
    // The pre-defined centroids are kept exactly as given (decoding would round-trip floats).
    personas.forEach((p, i) => (p.centroid = { ...spec.personas![i].centroid }));
  }
  // What drift checks compare with, over all the training rows (the scorer's assignment).
  const sampleRows = referenceSampleRows(table.rowCount, spec.referenceSampleSize ?? 5000, spec.seed);
  const training = trainingAssignment(input.points, personas);
  const stats = referenceStats(training.labels, training.distances, personas.length, sampleRows);
  const durationMs = Date.now() - started;
  onProgress?.({ phase: 'done', k: choice.chosen.k, durationMs, threads: Math.max(1, threads) });
  return assembleArtifact({
    spec,
    encodings: input.encodings,
    personas,
    chosen: choice.chosen,
    perK: choice.perK,
    kRange: named.kRange,
    rows: table.rowCount,
    dataHash: hashTable(table, spec.features),
    started,
    durationMs,
    referenceRows: rowsOf(table, spec.features, sampleRows),
    referenceStats: stats,
  });
}

/**
 * The artifact of a k-means fit whose k was chosen elsewhere (the gather of a sweep run over
 * several pods): named and assembled exactly as trainModel does with its own choice.
 */
export function artifactOfChoice(
  table: Table,
  spec: TrainSpec,
  input: TrainingInput,
  choice: KChoice,
  started: number,
  opts: TrainOptions = {},
): ModelArtifact {
  return artifactOf(table, spec, input, namedFit(spec, input, choice), started, 1, opts.onProgress);
}

/**
 * Trains a model: learns the encoding, then either takes the pre-defined personas as they are
 * (mode `fixed`) or runs k-means over the k range and keeps the k with the best mean silhouette
 * (ties: the smaller k). Bad data or an impossible spec throws an InputError subclass.
 */
export async function trainModel(
  table: Table,
  spec: TrainSpec,
  opts: TrainOptions = {},
): Promise<ModelArtifact> {
  const started = Date.now();
  const input = trainingInput(table, spec);
  const { silhouetteRows } = input;
  if (spec.mode === 'fixed') {
    opts.onProgress?.({ phase: 'metrics', ks: [spec.personas?.length ?? 0], silhouetteRows });
    return artifactOf(table, spec, input, fixedClustering(spec, input), started, 1, opts.onProgress);
  }
  // Distinct threads the k-means restarts ran on: tells a run on workers from the fallback.
  const threads = new Set<number>();
  const choice = await sweepAndChoose(
    input.points,
    spec,
    input.silOpts,
    (e) => {
      threads.add(e.thread);
      opts.onProgress?.({ phase: 'restart', ...e });
    },
    (ks) => opts.onProgress?.({ phase: 'metrics', ks, silhouetteRows }),
  );
  const named = namedFit(spec, input, choice);
  return artifactOf(table, spec, input, named, started, threads.size, opts.onProgress);
}
