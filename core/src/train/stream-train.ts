// Training on rows read as a stream (a cursor, a CSV download), never all in memory:
//   1. a scan: row count, encoding, data hash and a seeded reservoir sample;
//   2. mini-batch k-means for every k of the range at once, one stream of batches feeding all;
//      seeds are k-means++ on the sample refined there with Lloyd, the best by sample inertia;
//   3. silhouette, Calinski-Harabasz and Davies-Bouldin on the sample, the k chosen as trainModel
//      chooses it; then one last pass for each k's inertia and the persona counts over all rows.
// Seeding, the silhouette pass and the last pass's assignments run on the k-means pool's worker
// threads, in a fixed order of summation, so the model is the same whatever the thread count;
// in the last pass the reading thread decodes the next batch while workers place the last.
// The artifact has the same shape as trainModel's. `auto` keeps the rows of the scan while there
// are at most AUTO_MINIBATCH_ROWS of them and then trains in memory (Lloyd) instead.
import type { KMetrics, ModelArtifact, ReferenceStats } from '../artifact/types.ts';
import type { BatchSource } from '../data/batch-source.ts';
import { quantileGrid } from '../drift/personas/quantiles.ts';
import { sortFloat64 } from '../drift/sort.ts';
import { encodeTable } from '../encoding/encoding.ts';
import { Batcher, MINIBATCH_DEFAULTS, MiniBatchKMeans } from '../kmeans/minibatch.ts';
import type { Assigned } from '../kmeans/pool-jobs.ts';
import { assign, countDistinct, type Points } from '../kmeans/points.ts';
import { chooseWorkers, openPool, type KMeansPool } from '../kmeans/pool.ts';
import { kmeansTolerance } from '../kmeans/lloyd.ts';
import { nameClusters } from '../personas/naming.ts';
import { createRng, deriveSeed, sampleIndices } from '../random/rng.ts';
import { AUTO_MINIBATCH_ROWS, DEFAULT_BATCH_SIZE, DEFAULT_MAX_EPOCHS, type Algorithm } from './algorithm.ts';
import { scanSource, type Scan } from './scan.ts';
import { bestBySilhouette, metricsFor } from './choose-k.ts';
import { assembleArtifact } from './artifact-parts.ts';
import { fixedCentroids, personasOf, referencePersonas } from './personas.ts';
import { rowsOf } from './reference-sample.ts';
import { TrainSpecError, validateSpec, type TrainSpec } from './spec.ts';
import { trainModel, type TrainProgress } from './train.ts';

/** Lloyd iterations at most for each seeding refined on the sample (scikit-learn's max_iter). */
const SEED_LLOYD_MAX_ITERATIONS = 300;
/** k-means++ seedings refined on the sample per nInit (Lloyd's in-memory path refines 2). */
const SEED_CANDIDATES_PER_INIT = 4;
/** Batches of the last pass being placed at once per worker: enough to keep workers busy while the next is read. */
const ASSIGN_WINDOW_PER_WORKER = 2;

export interface StreamTrainSpec extends Omit<TrainSpec, 'features'> {
  algorithm: Algorithm;
  /** Rows per mini-batch (default 1024). */
  batchSize?: number;
  maxEpochs?: number;
  /** More rows than this is an error when they are trained on in memory (Lloyd), as the in-memory readers' limit. */
  rowLimit?: number;
}

export type StreamTrainProgress =
  | TrainProgress
  | { phase: 'scan'; rows: number }
  | { phase: 'minibatch'; epoch: number; steps: number; converged: number[]; ks: number[] }
  | { phase: 'final'; rows: number };

export interface StreamTrainOptions {
  onProgress?: (event: StreamTrainProgress) => void;
}

export interface StreamTrainResult {
  artifact: ModelArtifact;
  /** What trained the model: `auto` resolved to one of the others. */
  algorithm: Exclude<Algorithm, 'auto'>;
  /** Passes over the data, the scan included. */
  passes: number;
}

/** Calls `fn` at most once a second (none in the first second), and always when `force` is set. */
function throttle<T>(fn: ((e: T) => void) | undefined): (e: T, force?: boolean) => void {
  let last = Date.now();
  return (e, force = false) => {
    const now = Date.now();
    if (fn && (force || now - last >= 1000)) {
      last = now;
      fn(e);
    }
  };
}

export async function trainFromSource(
  source: BatchSource,
  spec: StreamTrainSpec,
  opts: StreamTrainOptions = {},
): Promise<StreamTrainResult> {
  const started = Date.now();
  const batchSize = spec.batchSize ?? DEFAULT_BATCH_SIZE;
  const keepUpTo =
    spec.algorithm === 'lloyd' ? Infinity : spec.algorithm === 'auto' ? AUTO_MINIBATCH_ROWS : 0;
  const progress = throttle(opts.onProgress);
  const scan = await scanSource(source, {
    sampleSize: Math.max(spec.silhouetteSampleSize ?? 10_000, spec.referenceSampleSize ?? 5000),
    seed: spec.seed,
    keepUpTo,
    onProgress: (rows) => progress({ phase: 'scan', rows }),
  });
  if (scan.all) {
    if (spec.rowLimit !== undefined && scan.rows > spec.rowLimit) {
      throw new TrainSpecError(
        `the data has ${scan.rows} rows, more than the row limit of ${spec.rowLimit} rows for training in memory`,
      );
    }
    const artifact = await trainModel(scan.all, { ...spec, features: scan.features }, opts);
    return { artifact, algorithm: 'lloyd', passes: 1 };
  }
  progress({ phase: 'scan', rows: scan.rows }, true);
  return trainMiniBatch(source, scan, { ...spec, batchSize }, { ...opts, started });
}

export async function trainMiniBatch(
  source: BatchSource,
  scan: Scan,
  spec: StreamTrainSpec & { batchSize: number },
  opts: StreamTrainOptions & { started?: number } = {},
): Promise<StreamTrainResult> {
  const started = opts.started ?? Date.now();
  const progress = throttle(opts.onProgress);
  validateSpec(scan.sample, { ...spec, features: scan.features }, scan.rows);
  const sample = encodeTable(scan.sample, scan.encodings);
  const tasks = spec.mode === 'fixed' ? 1 : spec.k.max - spec.k.min + 1;
  const pool = openPool(sample, spec.workers ?? chooseWorkers(sample, tasks));
  try {
    return await trainOnPool(source, scan, sample, spec, pool, { progress, started });
  } finally {
    await pool.close();
  }
}

async function trainOnPool(
  source: BatchSource,
  scan: Scan,
  sample: Points,
  spec: StreamTrainSpec & { batchSize: number },
  pool: KMeansPool,
  { progress, started }: { progress: (e: StreamTrainProgress, force?: boolean) => void; started: number },
): Promise<StreamTrainResult> {
  const trainSpec: TrainSpec = { ...spec, features: scan.features };
  const { encodings } = scan;
  const d = sample.d;
  const encode = (batch: Parameters<typeof encodeTable>[0]) => encodeTable(batch, encodings);
  const threads = new Set<number>();
  let passes = 1;

  let models: { k: number; centroids: Float64Array }[];
  let kRange: { min: number; max: number };
  if (spec.mode === 'fixed') {
    const centroids = fixedCentroids(spec.personas ?? [], encodings);
    models = [{ k: centroids.length / d, centroids }];
    kRange = { min: models[0].k, max: models[0].k };
  } else {
    kRange = { min: spec.k.min, max: spec.k.max };
    if (spec.batchSize > scan.rows) {
      throw new TrainSpecError(
        `training.batchSize: a mini-batch of ${spec.batchSize} rows is larger than the table (${scan.rows} rows); use a smaller batchSize or algorithm lloyd`,
      );
    }
    const distinct = countDistinct(sample, spec.k.max);
    if (distinct < spec.k.max) {
      throw new TrainSpecError(
        `k = ${spec.k.max} is larger than the number of distinct rows in the ${sample.n}-row sample (${distinct})`,
      );
    }
    const options = { rows: scan.rows, batchSize: spec.batchSize, ...MINIBATCH_DEFAULTS };
    const lloyd = { tol: kmeansTolerance(sample), maxIterations: SEED_LLOYD_MAX_ITERATIONS };
    const ksOfRange = Array.from({ length: spec.k.max - spec.k.min + 1 }, (_, i) => spec.k.min + i);
    // Seeded as Lloyd seeds a large table (kmeans/init.ts), on the reservoir sample: unrefined
    // k-means++ seeds (scikit-learn's) start in a poor local optimum too often when k is below
    // the number of natural groups, and a mini-batch run stays in the basin it starts in. Lloyd
    // gets nInit full runs to find the best basin and the mini-batch run only one, so it gets
    // more candidates on the sample instead, where each costs little.
    const seeded = await pool.seeds(
      ksOfRange.map((k) => ({
        k,
        seed: deriveSeed(spec.seed, k),
        candidates: spec.nInit * SEED_CANDIDATES_PER_INIT,
        lloyd,
      })),
    );
    const runs = ksOfRange.map((k, i) => {
      threads.add(seeded[i].thread);
      return new MiniBatchKMeans(k, d, seeded[i].centroids, options, createRng(deriveSeed(spec.seed, k, 1)));
    });
    const ks = runs.map((m) => m.k);
    let epoch = 0;
    const report = (force = false) =>
      progress(
        {
          phase: 'minibatch',
          epoch,
          steps: Math.max(...runs.map((m) => m.steps)),
          converged: runs.filter((m) => m.converged).map((m) => m.k),
          ks,
        },
        force,
      );
    const batcher = new Batcher(spec.batchSize, d, (batch) => {
      let all = true;
      for (const m of runs) if (!m.converged && !m.step(batch)) all = false;
      return all;
    });
    let done = false;
    const maxEpochs = spec.maxEpochs ?? DEFAULT_MAX_EPOCHS;
    while (!done && epoch < maxEpochs) {
      epoch++;
      passes++;
      for await (const batch of source.batches()) {
        done = batcher.push(encode(batch));
        report();
        if (done) break;
      }
    }
    report(true);
    models = runs.map((m) => ({ k: m.k, centroids: m.centroids }));
  }

  // Metrics on the sample, so they cost the same at any table size.
  const sampleLabels = models.map((m) => {
    const labels = new Int32Array(sample.n);
    assign(sample, m.centroids, m.k, labels);
    return labels;
  });
  const scored = models.map((m, i) => ({ labels: sampleLabels[i], k: m.k })).filter((l) => l.k >= 2);
  const silhouetteRows = Math.min(spec.silhouetteSampleSize ?? 10_000, sample.n);
  progress({ phase: 'metrics', ks: models.map((m) => m.k), silhouetteRows }, true);
  const sils = await pool.silhouettes(scored, { sampleSize: silhouetteRows, seed: spec.seed });
  const silByK = new Map(scored.map((l, i) => [l.k, sils[i]] as const));

  // The last pass: each k's inertia over every row, and how many rows each cluster holds. Batches
  // are placed on the pool while the next is read, and summed in the order they were read.
  const inertia = new Float64Array(models.length);
  const counts = models.map((m) => new Float64Array(m.k));
  const placing: Promise<Assigned>[] = [];
  const add = (a: Assigned) =>
    models.forEach((_, i) => {
      inertia[i] += a.inertia[i];
      for (let c = 0; c < counts[i].length; c++) counts[i][c] += a.counts[i][c];
    });
  const window = Math.max(1, pool.workers) * ASSIGN_WINDOW_PER_WORKER;
  let rows = 0;
  passes++;
  for await (const batch of source.batches()) {
    const points = encode(batch);
    rows += points.n;
    const placed = pool.assign(points, models);
    // Awaited in order below; a pool failure must not surface first as an unhandled rejection.
    placed.catch(() => undefined);
    placing.push(placed);
    if (placing.length >= window) add(await placing.shift()!);
    progress({ phase: 'final', rows });
  }
  for (const p of placing) add(await p);
  if (rows !== scan.rows) {
    // Not bad input: the rows changed under us, and a retry reads them again.
    throw new Error(
      `the training data changed while it was read: ${scan.rows} rows at first, ${rows} at the end`,
    );
  }

  const perK: KMetrics[] = models.map((m, i) =>
    metricsFor(sample, sampleLabels[i], m.k, inertia[i], silByK.get(m.k) ?? null),
  );
  const best = spec.mode === 'fixed' ? 0 : bestBySilhouette(perK);
  const chosen = perK[best];
  const { k, centroids } = models[best];
  const naming =
    spec.mode === 'fixed'
      ? (spec.personas ?? []).map((p, cluster) => ({ cluster, name: p.name, generated: false }))
      : nameClusters(centroids, k, referencePersonas(trainSpec, encodings), encodings);
  const personas = personasOf(naming, centroids, encodings);
  if (spec.mode === 'fixed') personas.forEach((p, i) => (p.centroid = { ...spec.personas![i].centroid }));
  const personaOfCluster = new Int32Array(k);
  naming.forEach((nm, id) => (personaOfCluster[nm.cluster] = id));

  // The drift reference: a seeded part of the sample, and the distance distribution on the sample.
  const referenceRows = Array.from(
    sampleIndices(sample.n, spec.referenceSampleSize ?? 5000, createRng(deriveSeed(spec.seed, 0x5eed))),
  );
  const distances = new Float64Array(sample.n);
  assign(sample, centroids, k, sampleLabels[best], distances);
  for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
  const referenceStats: ReferenceStats = {
    rows: scan.rows,
    personaCounts: naming.map((nm) => counts[best][nm.cluster]),
    distanceQuantiles: quantileGrid(sortFloat64(distances)),
    sampleLabels: referenceRows.map((i) => personaOfCluster[sampleLabels[best][i]]),
  };
  const durationMs = Date.now() - started;
  progress({ phase: 'done', k, durationMs, threads: Math.max(1, threads.size) }, true);
  const artifact = assembleArtifact({
    spec: trainSpec,
    encodings,
    personas,
    chosen,
    perK,
    kRange,
    rows: scan.rows,
    dataHash: scan.dataHash,
    started,
    durationMs,
    referenceRows: rowsOf(scan.sample, scan.features, referenceRows),
    referenceStats,
  });
  return { artifact, algorithm: 'minibatch', passes };
}
