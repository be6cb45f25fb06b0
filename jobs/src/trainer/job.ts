// What a training Job runs: read the data, fit, store the artifact, register the version with
// its metrics and training run, store its persona diff against production, exit 0 / 1
// (transient, retry) / 2 (bad spec or data, don't).
// Idempotent per run id: a retried Job whose first attempt registered the version only
// finishes the bookkeeping, it never creates a second version. With parallelism > 1 each pod of
// the Indexed Job fits its share of the sweep (grid-share.ts) and one of them registers.
import type { Logger } from 'pino';
import type { FeatureSpec, ModelArtifact } from '@persona-operator/core/artifact/types';
import { createArtifactStore } from '@persona-operator/registry/artifacts/index';
import type { GcsClientOptions } from '@persona-operator/registry/artifacts/gcs';
import { InputError } from '@persona-operator/core/data/input-error';
import { tableFeatures, type ColumnRequest, type Table } from '@persona-operator/core/data/table';
import type { GridShareRef } from '@persona-operator/core/train/grid-train';
import { trainFromSource, type StreamTrainProgress } from '@persona-operator/core/train/stream-train';
import { Registry, type ModelRef } from '@persona-operator/registry';
import { type TrainSpec } from '@persona-operator/core/train/spec';
import { trainModel } from '@persona-operator/core/train/train';
import { dataParts, type TrainingJobSpec } from '../training-spec.ts';
import {
  loadTrainingData,
  openTrainingBatches,
  type LoadDataOptions,
  type TrainingBatches,
} from './data-source.ts';
import { storeDiffAgainstProduction } from './diff.ts';
import { fitGridShare } from './grid-share.ts';
import { JOB_COMPLETION_INDEX_ENV } from '../job-env.ts';
import type { DataPartLineage, VersionLineage } from '@persona-operator/registry/lineage';
import { classifyError, EXIT_OK } from '../exit-codes.ts';

/** A Job spec, except that `features` may be empty: then every column is used, types inferred. */
export type TrainingJobInput = Omit<TrainingJobSpec, 'runId' | 'features'> & {
  features: ColumnRequest[];
};

export interface RunTrainingJobOptions {
  registryUrl: string;
  runId: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  gcs?: GcsClientOptions;
  /** Passed through to trainModel (tests keep runs small and single-threaded). */
  train?: Pick<TrainSpec, 'workers' | 'silhouetteSampleSize' | 'referenceSampleSize'>;
  /** This pod's completion index (JOB_COMPLETION_INDEX) when the spec's parallelism is above 1. */
  index?: number;
}

export interface TrainingJobResult {
  exitCode: number;
  version?: number;
  /** False when a previous attempt of this run had already registered the version. */
  created?: boolean;
}

/** This pod's share of the grid, or undefined for a Job of one pod. */
function gridShareOf(spec: TrainingJobInput, index: number | undefined): GridShareRef | undefined {
  const count = spec.parallelism;
  if (count === 1) return undefined;
  if (index === undefined || !Number.isInteger(index) || index < 0 || index >= count) {
    throw new InputError(
      `parallelism ${count} needs the pod's completion index 0..${count - 1} in ${JOB_COMPLETION_INDEX_ENV} (set in the pods of an Indexed Job), got ${index ?? 'nothing'}`,
    );
  }
  return { index, count };
}

function jobParams(spec: TrainingJobInput, rows?: number): Record<string, unknown> {
  return {
    mode: spec.mode,
    k: spec.k,
    nInit: spec.nInit,
    seed: spec.seed,
    features: spec.features,
    personas: spec.personas?.map((p) => p.name) ?? [],
    data: dataParts(spec.data)
      .map((p) => Object.keys(p.source)[0])
      .join('+'),
    dataChoice: spec.dataChoice ?? 'Model',
    algorithm: spec.algorithm,
    batchSize: spec.batchSize,
    parallelism: spec.parallelism,
    artifacts: Object.keys(spec.artifacts)[0],
    ...(rows === undefined ? {} : { rows }),
  };
}

function progressLogger(log: Logger): (e: StreamTrainProgress) => void {
  return (e) => {
    if (e.phase === 'scan' || e.phase === 'final') {
      log.info({ phase: e.phase, rows: e.rows }, e.phase === 'scan' ? 'rows scanned' : 'rows scored');
    } else if (e.phase === 'minibatch') {
      log.info(
        { phase: e.phase, epoch: e.epoch, steps: e.steps, converged: e.converged, ks: e.ks },
        'mini-batch k-means',
      );
    } else if (e.phase === 'restart') {
      log.info(
        {
          phase: e.phase,
          k: e.k,
          restart: e.restart + 1,
          nInit: e.nInit,
          done: e.done,
          total: e.total,
          inertia: e.inertia,
        },
        'k-means restart finished',
      );
    } else if (e.phase === 'metrics') {
      log.info({ phase: e.phase, ks: e.ks, silhouetteRows: e.silhouetteRows }, 'scoring clusterings');
    } else {
      log.info({ phase: e.phase, k: e.k, durationMs: e.durationMs, threads: e.threads }, 'fit finished');
    }
  };
}

interface Fitted {
  artifact: ModelArtifact;
  features: FeatureSpec[];
  rows: number;
  parts: DataPartLineage[];
  /** What fitted the model (`auto` resolved). */
  algorithm: 'lloyd' | 'minibatch';
}

/** How a table held in memory is fitted: by trainModel, or as one share of a split grid. */
type FitTable = (table: Table, spec: TrainSpec) => Promise<ModelArtifact | undefined>;

/**
 * Lloyd on the rows held in memory (also the only way for several parts or logged predictions);
 * undefined when `fit` leaves the model to another pod.
 */
async function fitInMemory(
  spec: TrainingJobInput,
  columns: ColumnRequest[] | undefined,
  trainSpec: Omit<TrainSpec, 'features'>,
  readOpts: LoadDataOptions,
  log: Logger,
  fit: FitTable,
): Promise<Fitted | undefined> {
  const data = await loadTrainingData(spec.data, columns, readOpts);
  const table = data.table;
  if (table.rowCount === 0) throw new InputError('the training data has no rows');
  log.info(
    {
      phase: 'read',
      rows: table.rowCount,
      parts: data.parts.map((p) => ({ role: p.role, rows: p.rows })),
      columns: table.columns.map((c) => c.name),
    },
    'training data read',
  );
  const features = tableFeatures(table);
  log.info(
    { phase: 'fit', mode: spec.mode, k: spec.k, nInit: spec.nInit, seed: spec.seed, features },
    'fitting',
  );
  const artifact = await fit(table, { ...trainSpec, features });
  if (!artifact) return undefined;
  return { artifact, features, rows: table.rowCount, parts: data.parts, algorithm: 'lloyd' };
}

/** `auto` or `minibatch` on a source read pass after pass (trainFromSource decides between them). */
async function fitStreamed(
  batches: TrainingBatches,
  spec: TrainingJobInput,
  trainSpec: Omit<TrainSpec, 'features'>,
  log: Logger,
): Promise<Fitted> {
  log.info(
    { phase: 'fit', algorithm: spec.algorithm, batchSize: spec.batchSize, mode: spec.mode, k: spec.k },
    'streaming the training data',
  );
  const rowLimit = 'postgres' in spec.data ? spec.data.postgres.rowLimit : undefined;
  const result = await trainFromSource(
    batches.source,
    { ...trainSpec, algorithm: spec.algorithm, batchSize: spec.batchSize, rowLimit },
    { onProgress: progressLogger(log) },
  );
  const { artifact } = result;
  const features = artifact.features.map((f) => ({ name: f.name, type: f.type }));
  const part: DataPartLineage = {
    role: 'model',
    origin: batches.origin,
    rows: artifact.training.rows,
    dataHash: artifact.training.dataHash,
  };
  log.info(
    { phase: 'fit', algorithm: result.algorithm, passes: result.passes, rows: artifact.training.rows },
    'fit on streamed rows',
  );
  return { artifact, features, rows: artifact.training.rows, parts: [part], algorithm: result.algorithm };
}

export async function runTrainingJob(
  spec: TrainingJobInput,
  opts: RunTrainingJobOptions,
): Promise<TrainingJobResult> {
  const log = opts.logger;
  const model: ModelRef = spec.model;
  const runId = opts.runId;
  let registry: Registry | undefined;
  let runStarted = false;
  try {
    const share = gridShareOf(spec, opts.index);
    log.info({ phase: 'connect' }, 'connecting to the registry');
    registry = await Registry.connect(opts.registryUrl, {
      applicationName: 'persona-trainer',
      max: 2,
      gcs: opts.gcs,
    });
    await registry.migrate();
    await registry.ensureModel(model);

    const earlier = await registry.getTrainingRun(model, runId);
    if (earlier?.status === 'succeeded' && earlier.version !== null) {
      log.info(
        { phase: 'done', version: earlier.version, created: false },
        'this run already registered its version',
      );
      return { exitCode: EXIT_OK, version: earlier.version, created: false };
    }
    if (share) await registry.joinTrainingRun(model, runId, jobParams(spec));
    else await registry.startTrainingRun(model, runId, jobParams(spec));
    runStarted = true;

    // Persona names survive retraining: the production version (else the newest) is matched.
    const productionVersion = await registry.productionVersion(model);
    const previousVersion = productionVersion ?? (await registry.latestVersion(model));
    let previous: ModelArtifact | undefined;
    if (previousVersion) {
      previous = await registry.loadArtifact(previousVersion);
      log.info(
        { phase: 'fit', previousVersion: previousVersion.version },
        'keeping persona names of the previous version',
      );
    }
    log.info(
      { phase: 'read', sources: dataParts(spec.data).map((p) => `${p.role}:${Object.keys(p.source)[0]}`) },
      'reading training data',
    );
    const readOpts: LoadDataOptions = {
      env: opts.env ?? process.env,
      gcs: opts.gcs,
      onProgress: (rows) => log.debug({ phase: 'read', rows }, 'rows read'),
      predictions: { registry, model },
    };
    const columns = spec.features.length ? spec.features : undefined;
    const trainSpec: Omit<TrainSpec, 'features'> = {
      ...opts.train,
      mode: spec.mode,
      k: spec.k,
      nInit: spec.nInit,
      seed: spec.seed,
      personas: spec.personas,
      previous,
    };
    const batches =
      spec.algorithm !== 'lloyd' ? await openTrainingBatches(spec.data, columns, readOpts) : undefined;
    const onProgress = progressLogger(log);
    const reg = registry;
    const fit: FitTable = share
      ? (table, s) => fitGridShare({ registry: reg, model, runId, share, log, onProgress }, table, s)
      : (table, s) => trainModel(table, s, { onProgress });
    const fitted = batches
      ? await fitStreamed(batches, spec, trainSpec, log).finally(() => batches.close())
      : await fitInMemory(spec, columns, trainSpec, readOpts, log, fit);
    if (!fitted) return { exitCode: EXIT_OK };
    const { artifact, features, rows, algorithm } = fitted;
    const lineage: VersionLineage = {
      ...(spec.trigger ? { trigger: spec.trigger } : {}),
      data: { choice: spec.dataChoice ?? 'Model', parts: fitted.parts },
    };

    log.info(
      { phase: 'register', store: Object.keys(spec.artifacts)[0] },
      'storing the artifact and registering the version',
    );
    const { version, created } = await registry.registerVersion({
      model,
      runId,
      artifact,
      store: createArtifactStore(spec.artifacts, opts.gcs ?? {}),
      params: { ...jobParams({ ...spec, features }, rows), fittedWith: algorithm },
      lineage,
    });
    // Before the run is finished, so a retry of a Job that stopped here still stores it.
    if (productionVersion && previous && productionVersion.version !== version.version) {
      await storeDiffAgainstProduction(
        registry,
        {
          model,
          production: { version: productionVersion.version, artifact: previous },
          // A retried run diffs the version its first attempt registered.
          candidate: {
            version: version.version,
            artifact: created ? artifact : await registry.loadArtifact(version),
          },
          seed: spec.seed,
          now: new Date(),
        },
        log,
      );
    }
    await registry.finishTrainingRun(model, runId, { metrics: artifact.metrics, version: version.version });
    log.info(
      {
        phase: 'done',
        version: version.version,
        created,
        k: artifact.metrics.k,
        silhouette: artifact.metrics.silhouette,
        inertia: artifact.metrics.inertia,
        rows,
        algorithm,
        artifactUri: version.artifactUri,
        unmatchedPersonas: artifact.metrics.unmatchedPersonas,
      },
      created ? 'registered a new version' : 'this run had already registered its version',
    );
    return { exitCode: EXIT_OK, version: version.version, created };
  } catch (err) {
    const failure = classifyError(err);
    log.error(
      { phase: 'failed', kind: failure.kind, exitCode: failure.exitCode, err: failure.message },
      failure.message,
    );
    if (registry && runStarted) {
      await registry
        .failTrainingRun(model, runId, `${failure.kind}: ${failure.message}`)
        .catch((e: unknown) => log.warn({ err: String(e) }, 'could not record the failure in the registry'));
    }
    return { exitCode: failure.exitCode };
  } finally {
    await registry?.close().catch(() => undefined);
  }
}
