// Nearest-persona assignment of a whole table for the persona tests: the scorer's encoding and
// distance, over columns instead of one record at a time, so a million rows take a fraction of
// a second and allocate only the results. A row with a missing value cannot be placed and is
// counted, not guessed; a category the model never saw matches no one-hot column, so the row is
// placed (and usually lands far from every persona, which is what the novelty test looks for).
import type { FeatureEncoding, ModelArtifact } from '../../artifact/types.ts';
import { DriftInputError } from '../choose.ts';
import type { DriftColumn } from '../column.ts';

/** Not assigned: the row has a missing value. */
export const UNASSIGNED = -1;

export interface FeatureScoringIssues {
  column: string;
  /** Rows left unassigned because this feature is missing (NaN, null, ''). */
  missing: number;
  /** Values that are none of the training categories (the row is still assigned). */
  unknownCategories: number;
  /** A few of those values, for the report. */
  unknownExamples: string[];
}

export interface Assignment {
  /** Persona id per row, UNASSIGNED where a value is missing. */
  labels: Int32Array;
  /** Euclidean distance to the nearest centroid in the encoded space; NaN when unassigned. */
  distances: Float64Array;
  rows: number;
  assignedRows: number;
  /** Only the features with something to report. */
  issues: FeatureScoringIssues[];
}

const MISSING = -2;
const UNKNOWN = -1;
const MAX_EXAMPLES = 5;
const BLOCK_ROWS = 128;

interface CategoricalCodes {
  codes: Int32Array;
  issue: FeatureScoringIssues;
}

function categoricalCodes(
  values: readonly (string | null)[],
  encoding: Extract<FeatureEncoding, { type: 'categorical' }>,
): CategoricalCodes {
  const index = new Map(encoding.categories.map((c, i) => [c, i] as const));
  const codes = new Int32Array(values.length);
  const issue: FeatureScoringIssues = {
    column: encoding.name,
    missing: 0,
    unknownCategories: 0,
    unknownExamples: [],
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === '') {
      codes[i] = MISSING;
      issue.missing++;
      continue;
    }
    const code = index.get(v);
    if (code === undefined) {
      codes[i] = UNKNOWN;
      issue.unknownCategories++;
      if (issue.unknownExamples.length < MAX_EXAMPLES && !issue.unknownExamples.includes(v)) {
        issue.unknownExamples.push(v);
      }
    } else codes[i] = code;
  }
  return { codes, issue };
}

function columnFor(columns: readonly DriftColumn[], encoding: FeatureEncoding): DriftColumn {
  const column = columns.find((c) => c.name === encoding.name);
  if (!column) throw new DriftInputError(`the data lacks the model's feature "${encoding.name}"`);
  if (column.type !== encoding.type) {
    throw new DriftInputError(
      `column "${encoding.name}" is ${column.type} in the data but ${encoding.type} in the model`,
    );
  }
  return column;
}

/** Assigns every row of `columns` (the model's features, any order) to its nearest persona. */
export function assignPersonas(
  model: Pick<ModelArtifact, 'features' | 'personas'>,
  columns: readonly DriftColumn[],
): Assignment {
  const k = model.personas.length;
  let d = 0;
  const numeric: {
    values: Float64Array;
    offset: number;
    mean: number;
    scale: number;
    issue: FeatureScoringIssues;
  }[] = [];
  const categorical: { codes: Int32Array; offset: number; width: number; issue: FeatureScoringIssues }[] = [];
  for (const encoding of model.features) {
    const column = columnFor(columns, encoding);
    if (encoding.type === 'numeric') {
      numeric.push({
        values: column.values as Float64Array,
        offset: d,
        mean: encoding.mean,
        scale: encoding.scale,
        issue: { column: encoding.name, missing: 0, unknownCategories: 0, unknownExamples: [] },
      });
      d += 1;
    } else {
      const { codes, issue } = categoricalCodes(column.values as readonly (string | null)[], encoding);
      categorical.push({ codes, offset: d, width: encoding.categories.length, issue });
      d += encoding.categories.length;
    }
  }
  const rows = columns[0]?.values.length ?? 0;
  const centroids = new Float64Array(k * d);
  model.personas.forEach((p, c) => centroids.set(p.scaled, c * d));
  const labels = new Int32Array(rows);
  const distances = new Float64Array(rows);
  // A block of rows at a time, encoded column by column into a buffer small enough for the
  // first-level cache, then each row's nearest centroid (sums in the scorer's order).
  const block = new Float64Array(BLOCK_ROWS * d);
  const complete = new Uint8Array(BLOCK_ROWS);
  let assignedRows = 0;
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const n = Math.min(BLOCK_ROWS, rows - start);
    // Only one-hot columns rely on zeros; numeric ones are all written below.
    if (categorical.length > 0) block.fill(0);
    complete.fill(1, 0, n);
    for (const f of numeric) {
      const { values, mean, scale } = f;
      const at = f.offset * BLOCK_ROWS;
      for (let r = 0; r < n; r++) {
        const v = values[start + r];
        // v - v is 0 exactly for finite v (NaN and infinities give NaN).
        if (v - v === 0) block[at + r] = (v - mean) / scale;
        else {
          block[at + r] = 0;
          complete[r] = 0;
          f.issue.missing++;
        }
      }
    }
    for (const f of categorical) {
      const { codes, offset } = f;
      for (let r = 0; r < n; r++) {
        const code = codes[start + r];
        if (code === MISSING) complete[r] = 0;
        else if (code >= 0) block[(offset + code) * BLOCK_ROWS + r] = 1;
      }
    }
    for (let r = 0; r < n; r++) {
      const i = start + r;
      if (!complete[r]) {
        labels[i] = UNASSIGNED;
        distances[i] = NaN;
        continue;
      }
      // Ties go to the lower persona id, as in training and the scorer.
      let best = 0;
      let bestD = Infinity;
      for (let c = 0, base = 0; c < k; c++, base += d) {
        let sum = 0;
        // A centroid already farther than the best one so far is left early.
        for (let j = 0; j < d && sum < bestD; j++) {
          const t = block[j * BLOCK_ROWS + r] - centroids[base + j];
          sum += t * t;
        }
        if (sum < bestD) {
          bestD = sum;
          best = c;
        }
      }
      labels[i] = best;
      distances[i] = Math.sqrt(bestD);
      assignedRows++;
    }
  }
  const issues = [...numeric, ...categorical]
    .map((f) => f.issue)
    .filter((issue) => issue.missing > 0 || issue.unknownCategories > 0);
  const order = new Map(model.features.map((f, i) => [f.name, i] as const));
  issues.sort((a, b) => order.get(a.column)! - order.get(b.column)!);
  return { labels, distances, rows, assignedRows, issues };
}

/** Rows per persona id (unassigned rows are not counted). */
export function countLabels(labels: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) counts[labels[i]]++;
  return counts;
}
