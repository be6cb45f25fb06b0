// The persona diff of a newly registered version against production, stored in the registry
// for the promotion gate, the PersonaModel status and `persona versions --diff`.
import type { Logger } from 'pino';
import type { ModelArtifact, RawValue } from '@persona-operator/core/artifact/types';
import {
  personaDiff,
  PersonaDiffError,
  summarizeDiff,
  type DiffSample,
} from '@persona-operator/core/personas/diff';
import { referenceSampleRows } from '@persona-operator/core/train/reference-sample';
import type { ModelRef, Registry } from '@persona-operator/registry';

/** Logged predictions are the sample when the last week holds at least this many. */
export const PREDICTION_SAMPLE_MIN_ROWS = 1000;
/** The sample's size: as many rows as the artifact keeps of its training data. */
export const DIFF_SAMPLE_ROWS = 5000;
const PREDICTION_WINDOW_MS = 7 * 24 * 3600 * 1000;
// The newest rows of the window are read, so a busy model's diff reads a bounded amount.
const PREDICTION_READ_LIMIT = 50_000;

export interface DiffInputs {
  model: ModelRef;
  production: { version: number; artifact: ModelArtifact };
  candidate: { version: number; artifact: ModelArtifact };
  /** Seeds the sample of logged predictions, so a retried Job draws the same rows. */
  seed: number;
  now: Date;
}

/**
 * The rows both versions label: a seeded sample of the last week's logged predictions when there
 * are enough (what customers send now), else the candidate's own sample of its training rows.
 */
export async function diffSample(
  registry: Pick<Registry, 'readPredictionLog'>,
  inputs: DiffInputs,
): Promise<DiffSample> {
  const { candidate } = inputs;
  const columns = candidate.artifact.features.map((f) => f.name);
  const logged = await registry.readPredictionLog(inputs.model, {
    since: new Date(inputs.now.getTime() - PREDICTION_WINDOW_MS),
    until: inputs.now,
    limit: PREDICTION_READ_LIMIT,
  });
  if (logged.length >= PREDICTION_SAMPLE_MIN_ROWS) {
    const picked = referenceSampleRows(logged.length, DIFF_SAMPLE_ROWS, inputs.seed);
    // A logged value of the wrong type is left for the scorer to refuse: the row is skipped and counted.
    const rows = picked.map((i) => columns.map((c) => logged[i].features[c] as RawValue));
    return { source: 'predictions', columns, rows };
  }
  return { source: 'training', ...candidate.artifact.reference };
}

/** Computes and stores the diff; versions that cannot be compared are logged, not an error. */
export async function storeDiffAgainstProduction(
  registry: Pick<Registry, 'readPredictionLog' | 'storeVersionDiff'>,
  inputs: DiffInputs,
  log: Logger,
): Promise<void> {
  const sample = await diffSample(registry, inputs);
  try {
    const diff = personaDiff(inputs.production, inputs.candidate, sample);
    await registry.storeVersionDiff(inputs.model, diff);
    log.info(
      {
        phase: 'diff',
        fromVersion: diff.fromVersion,
        toVersion: diff.toVersion,
        sample: diff.sample,
        churn: diff.churn,
        adjustedRandIndex: diff.adjustedRandIndex,
      },
      summarizeDiff(diff),
    );
  } catch (err) {
    if (!(err instanceof PersonaDiffError)) throw err;
    log.warn({ phase: 'diff', err: err.message }, 'no persona diff against production');
  }
}
