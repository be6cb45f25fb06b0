// The reference side of a drift check: the production version's reservoir sample, stored in
// its artifact, turned into typed columns in the artifact's feature order.
import type { FeatureSpec, ModelArtifact } from '@persona-operator/core/artifact/types';
import { InputError } from '@persona-operator/core/data/input-error';
import type { DriftColumn, DriftTable } from '@persona-operator/core/drift/index';

/** The model's features (name and type), in artifact order. */
export function artifactFeatures(artifact: ModelArtifact): FeatureSpec[] {
  return artifact.features.map((f) => ({ name: f.name, type: f.type }));
}

/** The artifact's reference sample as drift columns; refuses an empty or malformed sample. */
export function referenceTable(artifact: ModelArtifact, label: string): DriftTable & { rowCount: number } {
  const sample = artifact.reference;
  if (!sample || sample.rows.length === 0) {
    throw new InputError(`${label} has no reference sample in its artifact; retrain it to get one`);
  }
  const columns: DriftColumn[] = artifactFeatures(artifact).map((feature) => {
    const index = sample.columns.indexOf(feature.name);
    if (index === -1) {
      throw new InputError(`${label}: the reference sample lacks feature "${feature.name}"`);
    }
    if (feature.type === 'numeric') {
      const values = new Float64Array(sample.rows.length);
      sample.rows.forEach((row, i) => {
        const v = row[index];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new InputError(
            `${label}: reference sample row ${i + 1}, feature "${feature.name}": ${JSON.stringify(v)} is not a number`,
          );
        }
        values[i] = v;
      });
      return { name: feature.name, type: 'numeric', values };
    }
    return { name: feature.name, type: 'categorical', values: sample.rows.map((row) => String(row[index])) };
  });
  return { columns, rowCount: sample.rows.length };
}
