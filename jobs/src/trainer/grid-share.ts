// One pod of a training Job whose k sweep runs over several pods (an Indexed Job): it fits its
// share of the (k, restart) grid and stores the fits as the run's trials. The pod whose trials
// complete the grid gathers them into the model; the others are done once theirs are stored.
//
// Why that pod gathers: it needs no extra Job and no pod left waiting for the others; the row
// lock recordTrials takes on the run lets exactly one pod see the grid complete; and a retried
// gatherer simply gathers again, since the trials stay stored and registration is idempotent.
import type { Logger } from 'pino';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import type { Table } from '@persona-operator/core/data/table';
import { sweepGridSize } from '@persona-operator/core/train/algorithm';
import { fitShare, trainFromFits, type GridShareRef } from '@persona-operator/core/train/grid-train';
import type { TrainProgress } from '@persona-operator/core/train/train';
import type { TrainSpec } from '@persona-operator/core/train/spec';
import type { ModelRef, Registry } from '@persona-operator/registry';

export interface GridShareContext {
  registry: Registry;
  model: ModelRef;
  runId: string;
  share: GridShareRef;
  log: Logger;
  onProgress: (e: TrainProgress) => void;
}

/** Fits and stores this pod's share; the model when this pod's trials completed the grid, else undefined. */
export async function fitGridShare(
  ctx: GridShareContext,
  table: Table,
  spec: TrainSpec,
): Promise<ModelArtifact | undefined> {
  const { registry, model, runId, share, log } = ctx;
  const grid = sweepGridSize(spec);
  // A retried pod fits only what its earlier attempt did not store.
  const stored = await registry.listTrials(model, runId);
  const { dataHash, fits } = await fitShare(table, spec, share, { done: stored, onProgress: ctx.onProgress });
  const { added, total } = await registry.recordTrials(
    model,
    runId,
    fits.map((f) => ({
      k: f.k,
      restart: f.restart,
      index: share.index,
      inertia: f.inertia,
      iterations: f.iterations,
      relocations: f.relocations,
      centroids: f.centroids,
      dataHash,
    })),
  );
  log.info(
    { phase: 'trials', index: share.index, of: share.count, fitted: fits.length, added, total, grid },
    total < grid ? 'trials stored; the pod that completes the grid gathers' : 'grid complete: gathering',
  );
  if (total < grid) return undefined;
  return trainFromFits(table, spec, await registry.listTrials(model, runId), { onProgress: ctx.onProgress });
}
