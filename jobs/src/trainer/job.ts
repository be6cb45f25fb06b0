// What a training Job runs: read the data, fit, store the artifact, register the version with
// its metrics and training run, store its persona diff against production, exit 0 / 1
// (transient, retry) / 2 (bad spec or data, don't).
// Idempotent per run id: a retried Job whose first attempt registered the version only
// finishes the bookkeeping, it never creates a second version.
import type { Logger } from 'pino';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { createArtifactStore } from '@persona-operator/registry/artifacts/index';
import type { GcsClientOptions } from '@persona-operator/registry/artifacts/gcs';
import { InputError } from '@persona-operator/core/data/input-error';
import type { ColumnRequest } from '@persona-operator/core/data/table';
import { Registry, type ModelRef } from '@persona-operator/registry';
import { trainModel, type TrainProgress, type TrainSpec } from '@persona-operator/core/train/train';
import { dataParts, type TrainingJobSpec } from '../training-spec.ts';
import { loadTrainingData } from './data-source.ts';
import { storeDiffAgainstProduction } from './diff.ts';
import type { VersionLineage } from '@persona-operator/registry/lineage';
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
}

export interface TrainingJobResult {
  exitCode: number;
  version?: number;
  /** False when a previous attempt of this run had already registered the version. */
  created?: boolean;
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
    artifacts: Object.keys(spec.artifacts)[0],
    ...(rows === undefined ? {} : { rows }),
  };
}

function progressLogger(log: Logger): (e: TrainProgress) => void {
  return (e) => {
    if (e.phase === 'restart') {
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
    await registry.startTrainingRun(model, runId, jobParams(spec));
    runStarted = true;

    log.info(
      { phase: 'read', sources: dataParts(spec.data).map((p) => `${p.role}:${Object.keys(p.source)[0]}`) },
      'reading training data',
    );
    const data = await loadTrainingData(spec.data, spec.features.length ? spec.features : undefined, {
      env: opts.env ?? process.env,
      gcs: opts.gcs,
      onProgress: (rows) => log.debug({ phase: 'read', rows }, 'rows read'),
      predictions: { registry, model },
    });
    const table = data.table;
    if (table.rowCount === 0) throw new InputError('the training data has no rows');
    const lineage: VersionLineage = {
      ...(spec.trigger ? { trigger: spec.trigger } : {}),
      data: { choice: spec.dataChoice ?? 'Model', parts: data.parts },
    };
    log.info(
      {
        phase: 'read',
        rows: table.rowCount,
        parts: data.parts.map((p) => ({ role: p.role, rows: p.rows })),
        columns: table.columns.map((c) => c.name),
      },
      'training data read',
    );

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
    const features = table.columns.map((c) => ({ name: c.name, type: c.type }));
    log.info(
      { phase: 'fit', mode: spec.mode, k: spec.k, nInit: spec.nInit, seed: spec.seed, features },
      'fitting',
    );
    const artifact = await trainModel(
      table,
      {
        ...opts.train,
        features,
        mode: spec.mode,
        k: spec.k,
        nInit: spec.nInit,
        seed: spec.seed,
        personas: spec.personas,
        previous,
      },
      { onProgress: progressLogger(log) },
    );

    log.info(
      { phase: 'register', store: Object.keys(spec.artifacts)[0] },
      'storing the artifact and registering the version',
    );
    const { version, created } = await registry.registerVersion({
      model,
      runId,
      artifact,
      store: createArtifactStore(spec.artifacts, opts.gcs ?? {}),
      params: jobParams({ ...spec, features }, table.rowCount),
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
        rows: table.rowCount,
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
