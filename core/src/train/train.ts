// The one training entry point (CLI, trainer Job, benchmark): table + spec -> model artifact.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  ARTIFACT_SCHEMA_VERSION,
  type FeatureEncoding,
  type FeatureSpec,
  type KMetrics,
  type ModelArtifact,
  type Persona,
  type RawValue,
  type ReferenceStats,
} from '../artifact/types.ts';
import { silhouetteScores, type SilhouetteOptions } from '../cluster-metrics/silhouette.ts';
import { InputError } from '../data/input-error.ts';
import { getColumn, type Table } from '../data/table.ts';
import { decodePoint, encodeRaw, encodeTable, fitEncoding } from '../encoding/encoding.ts';
import { assign, type Points } from '../kmeans/points.ts';
import { chooseWorkers, openPool } from '../kmeans/pool.ts';
import { encodedDimension } from '../artifact/validate.ts';
import { kmeansSweep, type RestartProgress } from '../kmeans/sweep.ts';
import { chooseK, metricsFor, type KChoice } from './choose-k.ts';
import { nameClusters, type ReferencePersona } from '../personas/naming.ts';
import { createRng } from '../random/rng.ts';
import { referenceStats } from '../drift/personas/reference.ts';

export interface PersonaDefinition {
  name: string;
  /** Raw units; categorical features take a category. */
  centroid: Record<string, RawValue>;
}

export interface TrainSpec {
  /** Ordered feature list; names must be columns of the table. */
  features: FeatureSpec[];
  /** `fixed`: the pre-defined personas are the model; `fit`: k-means. */
  mode: 'fit' | 'fixed';
  k: { min: number; max: number };
  nInit: number;
  seed: number;
  /** Pre-defined personas: the model itself in `fixed` mode, names to match in `fit` mode. */
  personas?: PersonaDefinition[];
  /** The previous version: its persona names are kept for the clusters that match them. */
  previous?: ModelArtifact;
  /** Silhouette is exact up to this many rows, on a seeded sample of this size above (default 10000). */
  silhouetteSampleSize?: number;
  /** Rows kept in the artifact for drift checks (default 5000). */
  referenceSampleSize?: number;
  /** Worker threads for the restarts; default chosen from input size and machine. */
  workers?: number;
}

export type TrainProgress =
  | ({ phase: 'restart' } & RestartProgress)
  | { phase: 'metrics'; ks: number[]; silhouetteRows: number }
  | { phase: 'done'; k: number; durationMs: number; threads: number };

export interface TrainOptions {
  onProgress?: (event: TrainProgress) => void;
}

/** A training specification that cannot work (bad k, fixed mode without personas...). */
export class TrainSpecError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'TrainSpecError';
  }
}

/** Checks the spec against the table's columns and `rows`, the number of rows trained on (default: the table's). */
export function validateSpec(table: Table, spec: TrainSpec, rows = table.rowCount): void {
  if (spec.features.length === 0) throw new TrainSpecError('no features given');
  const names = new Set<string>();
  for (const f of spec.features) {
    if (names.has(f.name)) throw new TrainSpecError(`feature "${f.name}" is listed twice`);
    names.add(f.name);
    getColumn(table, f.name);
  }
  if (rows === 0) throw new TrainSpecError('the training data has no rows');
  if (!Number.isInteger(spec.seed)) throw new TrainSpecError(`seed must be an integer, got ${spec.seed}`);
  if (spec.mode === 'fixed') {
    if (!spec.personas || spec.personas.length === 0) {
      throw new TrainSpecError('mode "fixed" needs pre-defined personas (--personas)');
    }
    return;
  }
  const { min, max } = spec.k;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new TrainSpecError(`invalid k range ${min}..${max}: expected integers with 1 <= min <= max`);
  }
  if (max > rows) {
    throw new TrainSpecError(`k = ${max} is larger than the number of rows (${rows})`);
  }
  if (!Number.isInteger(spec.nInit) || spec.nInit < 1) {
    throw new TrainSpecError(`nInit must be a positive integer, got ${spec.nInit}`);
  }
}

/** hashTable fed a batch of rows at a time (for rows read as a stream). */
export function tableHasher(features: readonly FeatureSpec[]): { add(table: Table): void; digest(): string } {
  const h = createHash('sha256');
  h.update(`${features.map((f) => f.name).join(',')}\n`);
  return {
    add(table) {
      const cols = features.map((f) => getColumn(table, f.name));
      for (let i = 0; i < table.rowCount; i++) {
        let line = '';
        for (let c = 0; c < cols.length; c++) line += (c ? ',' : '') + String(cols[c].values[i]);
        h.update(`${line}\n`);
      }
    },
    digest: () => h.digest('hex'),
  };
}

/** sha256 over the feature columns as read: header line, then one line per row. */
export function hashTable(table: Table, features: readonly FeatureSpec[]): string {
  const h = tableHasher(features);
  h.add(table);
  return h.digest();
}

/** Indices of a seeded uniform sample of n rows (reservoir sampling, Algorithm R), ascending. */
export function referenceSampleRows(n: number, size: number, seed: number): number[] {
  const m = Math.min(size, n);
  const picked = Array.from({ length: m }, (_, i) => i);
  const rng = createRng(seed ^ 0x5eed);
  for (let i = m; i < n; i++) {
    const j = rng.int(i + 1);
    if (j < m) picked[j] = i;
  }
  return picked.sort((a, b) => a - b);
}

export function rowsOf(
  table: Table,
  features: readonly FeatureSpec[],
  indices: readonly number[],
): RawValue[][] {
  const cols = features.map((f) => getColumn(table, f.name));
  return indices.map((i) => cols.map((c) => c.values[i]));
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

let libraryVersions: Record<string, string> | undefined;
export function libraries(): Record<string, string> {
  if (!libraryVersions) {
    const require = createRequire(import.meta.url);
    const version = (entry: string): string => {
      // Packages whose exports hide package.json: walk up from the resolved entry point.
      let dir = dirname(require.resolve(entry));
      for (let i = 0; i < 5; i++, dir = dirname(dir)) {
        try {
          const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
            name?: string;
            version?: string;
          };
          if (pkg.name === entry && pkg.version) return pkg.version;
        } catch {
          // keep walking
        }
      }
      return 'unknown';
    };
    libraryVersions = { node: process.versions.node, 'ml-kmeans': version('ml-kmeans') };
  }
  return libraryVersions;
}

export function flatten(rows: readonly (readonly number[])[], d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(r, i * d));
  return out;
}

export function referencePersonas(spec: TrainSpec, encodings: FeatureEncoding[]): ReferencePersona[] {
  // The previous version wins: its names are the ones users already see.
  if (spec.previous) {
    // Names carry over only when the feature set is the same; otherwise distances mean nothing.
    const prev = new Map(spec.previous.features.map((f) => [f.name, f.type] as const));
    const same = encodings.length === prev.size && encodings.every((e) => prev.get(e.name) === e.type);
    if (same) {
      return spec.previous.personas.map((p) => ({
        name: p.name,
        scaled: encodeLenient(p.centroid, encodings),
      }));
    }
  }
  return (spec.personas ?? []).map((p, i) => ({
    name: p.name,
    scaled: encodeRaw(p.centroid, encodings, `persona ${i + 1} ("${p.name}")`),
  }));
}

/** Like encodeRaw, but a category the new data no longer has simply matches nothing. */
function encodeLenient(point: Record<string, RawValue>, encodings: FeatureEncoding[]): number[] {
  const out: number[] = [];
  for (const enc of encodings) {
    const v = point[enc.name];
    if (enc.type === 'numeric') out.push((Number(v) - enc.mean) / enc.scale);
    else for (const c of enc.categories) out.push(c === v ? 1 : 0);
  }
  return out;
}

/** The pre-defined personas' centroids, encoded (k x d); their names must be given and distinct. */
export function fixedCentroids(
  defs: readonly PersonaDefinition[],
  encodings: FeatureEncoding[],
): Float64Array {
  const names = new Set<string>();
  for (const p of defs) {
    if (!p.name) throw new TrainSpecError('every pre-defined persona needs a name');
    if (names.has(p.name)) throw new TrainSpecError(`persona name "${p.name}" is used twice`);
    names.add(p.name);
  }
  return flatten(
    defs.map((p, i) => encodeRaw(p.centroid, encodings, `persona ${i + 1} ("${p.name}")`)),
    encodedDimension(encodings),
  );
}

/** The named personas from the chosen centroids (k x d, scaled) and the names matched to them. */
export function personasOf(
  naming: readonly { cluster: number; name: string; generated: boolean }[],
  centroids: Float64Array,
  encodings: FeatureEncoding[],
): Persona[] {
  const d = centroids.length / naming.length;
  return naming.map((nm, id) => {
    const scaled = Array.from(centroids.subarray(nm.cluster * d, nm.cluster * d + d));
    const p: Persona = { id, name: nm.name, centroid: decodePoint(scaled, encodings), scaled };
    if (nm.generated) p.generated = true;
    return p;
  });
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

/** What an artifact is made of, however the model was fitted. */
export interface ArtifactParts {
  spec: TrainSpec;
  encodings: FeatureEncoding[];
  personas: Persona[];
  chosen: KMetrics;
  perK: KMetrics[];
  kRange: { min: number; max: number };
  rows: number;
  dataHash: string;
  started: number;
  durationMs: number;
  referenceRows: RawValue[][];
  referenceStats: ReferenceStats;
}

export function assembleArtifact(p: ArtifactParts): ModelArtifact {
  const { spec, personas } = p;
  return {
    schemaVersion: ARTIFACT_SCHEMA_VERSION,
    features: p.encodings,
    personas,
    metrics: {
      ...p.chosen,
      perK: p.perK,
      unmatchedPersonas: personas.filter((x) => x.generated).map((x) => x.name),
    },
    training: {
      mode: spec.mode,
      rows: p.rows,
      dataHash: p.dataHash,
      seed: spec.seed,
      nInit: spec.mode === 'fixed' ? 1 : spec.nInit,
      kRange: p.kRange,
      durationMs: p.durationMs,
      trainedAt: new Date(p.started).toISOString(),
      libraries: libraries(),
    },
    reference: { columns: spec.features.map((f) => f.name), rows: p.referenceRows },
    referenceStats: p.referenceStats,
  };
}
