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
  const x = new Float64Array(d);
  let assignedRows = 0;
  for (let i = 0; i < rows; i++) {
    let complete = true;
    for (const f of numeric) {
      const v = f.values[i];
      if (Number.isFinite(v)) x[f.offset] = (v - f.mean) / f.scale;
      else {
        f.issue.missing++;
        complete = false;
      }
    }
    for (const f of categorical) {
      const code = f.codes[i];
      if (code === MISSING) {
        complete = false;
        continue;
      }
      x.fill(0, f.offset, f.offset + f.width);
      if (code >= 0) x[f.offset + code] = 1;
    }
    if (!complete) {
      labels[i] = UNASSIGNED;
      distances[i] = NaN;
      continue;
    }
    let best = 0;
    let bestD = Infinity;
    for (let c = 0, base = 0; c < k; c++, base += d) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = x[j] - centroids[base + j];
        s += t * t;
      }
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    labels[i] = best;
    distances[i] = Math.sqrt(bestD);
    assignedRows++;
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
