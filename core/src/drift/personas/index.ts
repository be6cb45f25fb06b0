// The persona tests of a drift check: assign the current rows to the model's personas once,
// then test the persona mix, novelty and each persona's features against the reference.
import type { ModelArtifact } from '../../artifact/types.ts';
import { DriftInputError, type DriftOptions } from '../choose.ts';
import type { DriftTable } from '../column.ts';
import { assignPersonas, countLabels, type FeatureScoringIssues } from './assign.ts';
import { personaMixDrift, type PersonaMixResult } from './mix.ts';
import { noveltyDrift, type NoveltyResult } from './novelty.ts';
import { perPersonaDrift, type PerPersonaResult } from './per-persona.ts';
import type { PersonaReference, ReferenceSource } from './reference.ts';

export interface PersonaDriftReport {
  reference: { source: ReferenceSource; rows: number };
  assignment: {
    currentRows: number;
    assignedRows: number;
    /** Rows with a missing feature: counted, not assigned to any persona. */
    unassignedRows: number;
    issues: FeatureScoringIssues[];
  };
  mix?: PersonaMixResult;
  novelty?: NoveltyResult;
  perPersona?: PerPersonaResult;
}

export interface PersonaReferenceInput {
  /** The rows the per-persona tests compare with (the reference sample or reference data). */
  table: DriftTable;
  stats: PersonaReference;
}

/** The persona tests that `options` leaves on (all by default). */
export function personaTestsEnabled(options: DriftOptions): {
  mix: boolean;
  novelty: boolean;
  perPersona: boolean;
} {
  return {
    mix: options.personaMix?.enabled !== false,
    novelty: options.novelty?.enabled !== false,
    perPersona: options.perPersona?.enabled !== false,
  };
}

/** Runs the enabled persona tests of `current` against the reference. */
export function personaDrift(
  model: Pick<ModelArtifact, 'features' | 'personas'>,
  reference: PersonaReferenceInput,
  current: DriftTable,
  options: DriftOptions = {},
): PersonaDriftReport {
  const names = model.personas.map((p) => p.name);
  const enabled = personaTestsEnabled(options);
  const assignment = assignPersonas(model, current.columns);
  if (assignment.assignedRows === 0) {
    const columns = assignment.issues.map((i) => i.column).join(', ');
    throw new DriftInputError(
      `none of the ${assignment.rows} current rows could be assigned to a persona: every row lacks a value (${columns})`,
    );
  }
  const report: PersonaDriftReport = {
    reference: { source: reference.stats.source, rows: reference.stats.rows },
    assignment: {
      currentRows: assignment.rows,
      assignedRows: assignment.assignedRows,
      unassignedRows: assignment.rows - assignment.assignedRows,
      issues: assignment.issues,
    },
  };
  if (enabled.mix) {
    report.mix = personaMixDrift(
      names,
      reference.stats.personaCounts,
      countLabels(assignment.labels, names.length),
      options.personaMix,
    );
  }
  if (enabled.novelty) {
    report.novelty = noveltyDrift(reference.stats.distanceQuantiles, assignment.distances, options.novelty);
  }
  if (enabled.perPersona) {
    report.perPersona = perPersonaDrift(
      names,
      reference.table,
      reference.stats.tableLabels,
      current,
      assignment.labels,
      options,
    );
  }
  return report;
}
