// A whole drift check, as the drift Job and `persona drift` run it: the feature tests (in worker
// threads when asked), the persona tests when the model is given, and the rule's verdict.
import type { ModelArtifact } from '../artifact/types.ts';
import type { BadCellSummary } from '../data/bad-cells.ts';
import type { DriftOptions, DriftTestGroup } from './choose.ts';
import { columnDrift, type ColumnDrift, type DriftTable } from './column.ts';
import { pairColumns, summarise, type DriftReport } from './index.ts';
import { testColumnsParallel, workersAvailable } from './parallel.ts';
import { personaDrift, personaTestsEnabled, type PersonaDriftReport } from './personas/index.ts';
import type { PersonaReference } from './personas/reference.ts';
import { resolveRule } from './rule.ts';

export interface DriftCheckInput {
  reference: DriftTable;
  current: DriftTable;
  options?: DriftOptions;
  /** With a model, the persona tests run too; `reference` is its statistics for `reference`'s rows. */
  model?: { artifact: Pick<ModelArtifact, 'features' | 'personas'>; reference: PersonaReference };
  /** Unusable cells met while reading the current data, for the report. */
  badCells?: BadCellSummary[];
  now?: Date;
  /** Worker threads for the feature tests; 1 (the default) runs everything in this thread. */
  threads?: number;
}

function plannedTests(options: DriftOptions, withModel: boolean): DriftTestGroup[] {
  const ran: DriftTestGroup[] = ['features'];
  if (!withModel) return ran;
  const on = personaTestsEnabled(options);
  if (on.mix) ran.push('personaMix');
  if (on.novelty) ran.push('novelty');
  if (on.perPersona) ran.push('perPersona');
  return ran;
}

export async function checkDrift(input: DriftCheckInput): Promise<DriftReport> {
  const options = input.options ?? {};
  const { pairs, referenceRows, currentRows } = pairColumns(input.reference, input.current, options);
  // A rule naming a test that cannot run fails before any work is done.
  resolveRule(options, plannedTests(options, input.model !== undefined));
  const threads = Math.min(input.threads ?? 1, pairs.length);
  const parallel = threads > 1 && workersAvailable();
  const features: Promise<ColumnDrift[]> | ColumnDrift[] = parallel
    ? testColumnsParallel(pairs, options, threads).then((r) => r.columns)
    : pairs.map((p) => columnDrift(p.reference, p.current, options));
  // While worker threads test the features, this thread runs the persona tests.
  let personas: PersonaDriftReport | undefined;
  try {
    if (input.model) {
      personas = personaDrift(
        input.model.artifact,
        { table: input.reference, stats: input.model.reference },
        input.current,
        options,
      );
    }
  } catch (err) {
    if (parallel) await Promise.resolve(features).catch(() => undefined);
    throw err;
  }
  return summarise(await features, options, referenceRows, currentRows, input.now ?? new Date(), {
    personas,
    badCells: input.badCells,
  });
}
