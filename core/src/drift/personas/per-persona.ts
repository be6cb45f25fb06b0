// Per-persona drift: the feature tests among the rows assigned to each persona, so a change in
// one segment shows even when the whole data hides it ("Eco-Conscious Haley's spend moved").
// A persona moved when any of its features drifted. That is tens of tests on small samples, so
// the family is held to a false-alarm rate (default 1 %) with Bonferroni: each p-value
// threshold is the rate divided by the number of (persona, feature) tests. A persona's
// reference rows are few (tens to hundreds), so chi-square compares the two samples
// (homogeneity) instead of taking the reference's category shares as exact.
import type { DriftOptions } from '../choose.ts';
import { columnTest, type ColumnTest, type DriftColumn, type DriftTable } from '../column.ts';
import { KS_MAX_EXACT_N } from '../ks.ts';

/** Personas with fewer rows than this on either side are listed but not tested. */
export const DEFAULT_PER_PERSONA_MIN_ROWS = 30;
/**
 * The chance that a run where nothing changed names some persona anyway. Stricter than the
 * feature tests' 5 % because each persona's tests rest on tens of rows, where the p-values'
 * far tails are least exact; at 5 % the seed scenario's own February names Budget Brian's
 * channel (12 of 92 January rows on mobile, 0 of 94 in February: p = 0.0007 with 54 tests).
 */
export const DEFAULT_PER_PERSONA_FALSE_ALARM_RATE = 0.01;
/**
 * A persona's current rows are thinned (evenly spaced) to this many per reference row, but not
 * below KS_MAX_EXACT_N + 1, where the KS p-value turns asymptotic (microseconds instead of the
 * exact method's milliseconds at these sizes). A two-sample test's power is bounded by its
 * smaller sample: KS's effective size n·m/(n+m) is within 10 % of n from m = 10 n on, so more
 * current rows cost time and add little.
 */
export const CURRENT_ROWS_PER_REFERENCE_ROW = 10;

function currentRowCap(referenceRows: number): number {
  return Math.max(CURRENT_ROWS_PER_REFERENCE_ROW * referenceRows, KS_MAX_EXACT_N + 1);
}

export interface PersonaDrift {
  name: string;
  referenceRows: number;
  currentRows: number;
  /** Current rows the tests used (see CURRENT_ROWS_PER_REFERENCE_ROW). */
  testedRows: number;
  tested: boolean;
  /** Some feature of this persona drifted. */
  drifted: boolean;
  columns: ColumnTest[];
}

export interface PerPersonaResult {
  minRows: number;
  falseAlarmRate: number;
  personasTested: number;
  /** Tests run (personas tested x features): the Bonferroni divisor of the false-alarm rate. */
  tests: number;
  personas: PersonaDrift[];
}

/** Row indices per persona id, in row order. */
function rowsByPersona(labels: Int32Array, k: number): Int32Array[] {
  const counts = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) counts[labels[i]]++;
  const out = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= 0) out[l][fill[l]++] = i;
  }
  return out;
}

/** At most `cap` of the indices, evenly spaced. */
function thin(indices: Int32Array, cap: number): Int32Array {
  const n = indices.length;
  if (n <= cap) return indices;
  return Int32Array.from({ length: cap }, (_, j) => indices[Math.floor((j * n) / cap)]);
}

/** The column's values at `rows` (ascending, so the reads run forward through memory). */
function pick(column: DriftColumn, rows: Int32Array): DriftColumn {
  if (column.type === 'numeric') {
    const values = new Float64Array(rows.length);
    const from = column.values;
    for (let j = 0; j < rows.length; j++) values[j] = from[rows[j]];
    return { name: column.name, type: 'numeric', values };
  }
  return { name: column.name, type: 'categorical', values: Array.from(rows, (i) => column.values[i]) };
}

/**
 * The feature tests per persona. `reference` and `current` hold the same columns (the feature
 * tests' pairs); labels give each row's persona id (negative: unassigned, left out).
 */
export function perPersonaDrift(
  names: readonly string[],
  reference: DriftTable,
  referenceLabels: Int32Array,
  current: DriftTable,
  currentLabels: Int32Array,
  options: DriftOptions = {},
): PerPersonaResult {
  const minRows = options.perPersona?.minRows ?? DEFAULT_PER_PERSONA_MIN_ROWS;
  const falseAlarmRate = options.perPersona?.falseAlarmRate ?? DEFAULT_PER_PERSONA_FALSE_ALARM_RATE;
  const refRows = rowsByPersona(referenceLabels, names.length);
  const curRows = rowsByPersona(currentLabels, names.length);
  const tested = names.map((_, p) => refRows[p].length >= minRows && curRows[p].length >= minRows);
  const personasTested = tested.filter(Boolean).length;
  const tests = personasTested * reference.columns.length;
  const byName = new Map(current.columns.map((c) => [c.name, c] as const));
  const kept = curRows.map((rows, p) => thin(rows, currentRowCap(refRows[p].length)));
  const columns = names.map((): ColumnTest[] => []);
  for (const refColumn of reference.columns) {
    const curColumn = byName.get(refColumn.name)!;
    names.forEach((_, p) => {
      if (!tested[p]) return;
      // Assigned rows have every feature, so neither side is ever empty.
      const test = columnTest(pick(refColumn, refRows[p]), pick(curColumn, kept[p]), options, {
        pValueThreshold: falseAlarmRate / tests,
        chiSquare: 'homogeneity',
      });
      columns[p].push(test);
    });
  }
  const personas = names.map((name, p): PersonaDrift => ({
    name,
    referenceRows: refRows[p].length,
    currentRows: curRows[p].length,
    testedRows: kept[p].length,
    tested: tested[p],
    drifted: columns[p].some((c) => c.drifted),
    columns: columns[p],
  }));
  return { minRows, falseAlarmRate, personasTested, tests, personas };
}
