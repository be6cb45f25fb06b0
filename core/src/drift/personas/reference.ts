// The reference side of the persona tests: the persona mix and the distance distribution of the
// training data (stored with the version when it is trained), and the persona of each row of
// the reference sample. A version trained before these were stored gets them from its
// reference sample instead, and the report says so.
import type { ModelArtifact, ReferenceStats } from '../../artifact/types.ts';
import { DriftInputError } from '../choose.ts';
import type { DriftTable } from '../column.ts';
import { sortFloat64 } from '../sort.ts';
import { assignPersonas, countLabels } from './assign.ts';
import { quantileGrid } from './quantiles.ts';

/**
 * Where the reference statistics come from: stored with the version (its whole training data),
 * the version's reference sample (a version without stored statistics), or the reference data
 * given to `persona drift` in local mode.
 */
export type ReferenceSource = 'stored' | 'sample' | 'data';

export interface PersonaReference {
  source: ReferenceSource;
  /** Rows the persona mix and the distance quantiles describe. */
  rows: number;
  personaCounts: number[];
  distanceQuantiles: number[];
  /** Persona of each row of the reference table (the per-persona tests' reference rows). */
  tableLabels: Int32Array;
}

/**
 * The statistics stored with a version, from the nearest-persona labels and distances of every
 * training row and the indices of the rows kept as the reference sample.
 */
export function referenceStats(
  labels: Int32Array,
  distances: Float64Array,
  k: number,
  sampleRows: readonly number[],
): ReferenceStats {
  return {
    rows: labels.length,
    personaCounts: countLabels(labels, k),
    distanceQuantiles: quantileGrid(sortFloat64(Float64Array.from(distances))),
    sampleLabels: sampleRows.map((i) => labels[i]),
  };
}

/** The statistics a version stored at training time. */
export function storedReference(stats: ReferenceStats): PersonaReference {
  return {
    source: 'stored',
    rows: stats.rows,
    personaCounts: [...stats.personaCounts],
    distanceQuantiles: [...stats.distanceQuantiles],
    tableLabels: Int32Array.from(stats.sampleLabels),
  };
}

/** The statistics of a reference table, computed by assigning its rows now. */
export function referenceFromTable(
  model: Pick<ModelArtifact, 'features' | 'personas'>,
  table: DriftTable,
  source: Exclude<ReferenceSource, 'stored'>,
): PersonaReference {
  const a = assignPersonas(model, table.columns);
  if (a.assignedRows === 0) {
    throw new DriftInputError(
      'no reference row could be assigned to a persona (every row has a missing value)',
    );
  }
  const distances = new Float64Array(a.assignedRows);
  let n = 0;
  for (let i = 0; i < a.rows; i++) if (a.labels[i] >= 0) distances[n++] = a.distances[i];
  return {
    source,
    rows: a.assignedRows,
    personaCounts: countLabels(a.labels, model.personas.length),
    distanceQuantiles: quantileGrid(sortFloat64(distances)),
    tableLabels: a.labels,
  };
}

/** The version's stored statistics, or (older versions) those of its reference sample. */
export function versionReference(artifact: ModelArtifact, sample: DriftTable): PersonaReference {
  return artifact.referenceStats
    ? storedReference(artifact.referenceStats)
    : referenceFromTable(artifact, sample, 'sample');
}
