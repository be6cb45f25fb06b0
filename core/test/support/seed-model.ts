// The seed scenario at 400 rows a month and a model of its January (six personas, k fixed, the
// scenario's persona names): what the drift-check tests compare February and March with.
import type { ModelArtifact } from '../../src/artifact/types.ts';
import type { Table } from '../../src/data/table.ts';
import type { DriftColumn, DriftTable } from '../../src/drift/column.ts';
import { generateSeedScenario } from '../../src/synth/seed-scenario.ts';
import { type TrainSpec } from '../../src/train/spec.ts';
import { trainModel } from '../../src/train/train.ts';

export const seedScenario = generateSeedScenario({ rowsPerMonth: 400, seed: 42 });

export const seedMonth = (name: string): Table => seedScenario.months.find((m) => m.month === name)!.table;

export function trainSeedModel(overrides: Partial<TrainSpec> = {}): Promise<ModelArtifact> {
  return trainModel(seedMonth('january'), {
    features: seedScenario.features,
    mode: 'fit',
    k: { min: 6, max: 6 },
    nInit: 2,
    seed: 1,
    personas: seedScenario.personas,
    workers: 1,
    ...overrides,
  });
}

/** The artifact's reference sample as drift columns. */
export function referenceSampleTable(a: ModelArtifact): DriftTable {
  return {
    columns: a.features.map((f, j): DriftColumn =>
      f.type === 'numeric'
        ? {
            name: f.name,
            type: 'numeric',
            values: Float64Array.from(a.reference.rows, (r) => r[j] as number),
          }
        : { name: f.name, type: 'categorical', values: a.reference.rows.map((r) => String(r[j])) },
    ),
  };
}
