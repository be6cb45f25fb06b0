// Open Inference Protocol (V2) tensors <-> rows.
//
// Accepted inputs (decided here; the protocol leaves the tensor layout to the model):
// - one numeric matrix named "input-0" with shape [n, m] holding the model's m numeric
//   features in feature order, and
// - one tensor per remaining feature, named after it, shape [n] or [n, 1]: BYTES for
//   categorical features, a numeric datatype for numeric ones.
// A purely numeric model therefore takes a single "input-0" of shape [n, d]; a model with
// categorical features takes "input-0" plus one BYTES tensor per categorical feature; sending
// every feature as its own named tensor works for any model. Data may be flat (row-major) or
// nested one array per row. Every feature must be given exactly once, and any other input name
// is refused: the protocol matches tensors by name.
//
// Outputs: persona (BYTES), persona_id (INT64), distance and confidence (FP64), each shape [n].
import type { Prediction } from '@persona-operator/core/artifact/types';
import { HttpError } from './errors.ts';
import { quote } from './lookup.ts';
import type { ServedModel } from './model.ts';
import type { V2Output, V2RequestedOutput, V2Tensor } from './schemas.ts';

export const OUTPUT_NAMES = ['persona', 'persona_id', 'distance', 'confidence'] as const;
export const MATRIX_INPUT_NAME = 'input-0';

function bad(message: string, feature?: string): HttpError {
  return new HttpError(400, message, feature === undefined ? {} : { feature });
}

/**
 * Tensors are matched by name, as the protocol does: an input the model does not declare is
 * refused, whatever else the request holds, rather than guessed to be the matrix.
 */
function checkDeclared(model: ServedModel, t: V2Tensor, i: number): void {
  if (model.featurePositions.has(t.name)) return;
  const numeric = model.numericFeatures;
  if (t.name === MATRIX_INPUT_NAME && numeric.length > 0) return;
  const perFeature = `one input per feature, named after it (${model.scorer.featureNames.join(', ')})`;
  const declared =
    numeric.length === 0
      ? perFeature
      : `${quote(MATRIX_INPUT_NAME)} (the numeric features ${numeric.join(', ')} as an [n, ${numeric.length}] ` +
        `matrix) with a BYTES input per categorical feature, or ${perFeature}`;
  throw bad(`inputs[${i}]: unknown input ${quote(t.name)}; this model takes ${declared}`, t.name);
}

/** Flattens nested row arrays; checks the element count against the shape. */
function flatData(t: V2Tensor, at: () => string, n: number, cols: number): unknown[] {
  const data = t.data;
  if (data.length === n * cols && (cols !== 1 || !Array.isArray(data[0]))) {
    for (let i = 0; i < data.length; i++) {
      if (Array.isArray(data[i]))
        throw bad(`${at()}.data[${i}]: expected a scalar in flat row-major data`, t.name);
    }
    return data;
  }
  if (data.length === n && data.every((r) => Array.isArray(r) && r.length === cols)) {
    const out = (data as unknown[][]).flat();
    for (let i = 0; i < out.length; i++) {
      if (Array.isArray(out[i]))
        throw bad(`${at()}.data: rows nest deeper than the shape [${t.shape.join(', ')}]`, t.name);
    }
    return out;
  }
  throw bad(
    `${at()}.data: shape [${t.shape.join(', ')}] needs ${n * cols} values (flat) or ${n} rows of ${cols}, got ${data.length} entries`,
    t.name,
  );
}

/**
 * Turns the request's input tensors into rows in feature order, for the scorer to check value by value.
 * `checkRows` is called with the row count before anything is allocated.
 */
export function tensorsToRows(
  model: ServedModel,
  inputs: V2Tensor[],
  checkRows: (n: number) => void,
): unknown[][] {
  inputs.forEach((t, i) => checkDeclared(model, t, i));
  const names = model.scorer.featureNames;
  const position = model.featurePositions;
  /** Feature name -> the index of the input that gives it. */
  const covered = new Map<string, number>();
  // Error messages name the input; built only when one is thrown.
  const describe = (i: number) => `inputs[${i}] (${quote(inputs[i].name)})`;
  let rowCount: number | undefined;
  const fills: ((rows: unknown[][]) => void)[] = [];

  inputs.forEach((t, i) => {
    const at = () => describe(i);
    const n = t.shape[0];
    if (rowCount === undefined) {
      checkRows(n);
      rowCount = n;
    } else if (n !== rowCount) {
      throw bad(
        `${at()}.shape: ${n} rows, but inputs[0] has ${rowCount}; every input needs the same row count`,
        t.name,
      );
    }
    const numericType = t.datatype !== 'BYTES';
    const feature = position.get(t.name);
    if (feature !== undefined) {
      if (t.shape.length === 2 && t.shape[1] !== 1) {
        throw bad(`${at()}.shape: a feature input is [n] or [n, 1], got [${t.shape.join(', ')}]`, t.name);
      }
      const numericFeature = model.artifact.features[feature].type === 'numeric';
      if (numericFeature !== numericType) {
        const want = numericFeature ? 'a numeric datatype such as FP64' : 'BYTES';
        throw bad(`${at()}.datatype: feature ${quote(t.name)} needs ${want}, got ${t.datatype}`, t.name);
      }
      if (covered.has(t.name))
        throw bad(
          `${at()}: feature ${quote(t.name)} is also given by ${describe(covered.get(t.name) as number)}`,
          t.name,
        );
      covered.set(t.name, i);
      const values = flatData(t, at, n, 1);
      fills.push((rows) => {
        for (let r = 0; r < rows.length; r++) rows[r][feature] = values[r];
      });
      return;
    }
    // Declared and not a feature: the numeric matrix.
    const numeric = model.numericFeatures;
    if (!numericType) {
      throw bad(
        `${at()}.datatype: the feature matrix needs a numeric datatype such as FP64, got BYTES`,
        t.name,
      );
    }
    if (t.shape.length !== 2 || t.shape[1] !== numeric.length) {
      throw bad(
        `${at()}.shape: the feature matrix is [n, ${numeric.length}] (${numeric.join(', ')}), got [${t.shape.join(', ')}]`,
        t.name,
      );
    }
    for (const f of numeric) {
      if (covered.has(f))
        throw bad(
          `${at()}: feature ${quote(f)} is also given by ${describe(covered.get(f) as number)}`,
          t.name,
        );
      covered.set(f, i);
    }
    const m = numeric.length;
    const values = flatData(t, at, n, m);
    const cols = model.numericPositions;
    fills.push((rows) => {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        for (let j = 0; j < m; j++) row[cols[j]] = values[r * m + j];
      }
    });
  });

  for (const [i, f] of names.entries()) {
    if (!covered.has(f)) {
      const how =
        model.artifact.features[i].type === 'numeric'
          ? `in the ${MATRIX_INPUT_NAME} matrix or as an input named ${quote(f)}`
          : `as a BYTES input named ${quote(f)}`;
      throw bad(`feature ${quote(f)}: missing; send it ${how}`, f);
    }
  }
  const n = rowCount ?? 0;
  const rows: unknown[][] = new Array(n);
  for (let r = 0; r < n; r++) rows[r] = new Array(names.length);
  for (const fill of fills) fill(rows);
  return rows;
}

/** The response tensors, restricted to the requested names when the request lists outputs. */
export function predictionsToOutputs(
  preds: readonly Prediction[],
  requested?: V2RequestedOutput[],
): V2Output[] {
  const n = preds.length;
  const all: Record<(typeof OUTPUT_NAMES)[number], () => V2Output> = {
    persona: () => ({ name: 'persona', datatype: 'BYTES', shape: [n], data: preds.map((p) => p.persona) }),
    persona_id: () => ({
      name: 'persona_id',
      datatype: 'INT64',
      shape: [n],
      data: preds.map((p) => p.personaId),
    }),
    distance: () => ({ name: 'distance', datatype: 'FP64', shape: [n], data: preds.map((p) => p.distance) }),
    confidence: () => ({
      name: 'confidence',
      datatype: 'FP64',
      shape: [n],
      data: preds.map((p) => p.confidence),
    }),
  };
  const names = requested && requested.length > 0 ? requested.map((o) => o.name) : OUTPUT_NAMES;
  return names.map((name) => all[name as (typeof OUTPUT_NAMES)[number]]());
}

/** Checked before scoring, so a bad output name costs no work. */
export function checkRequestedOutputs(requested: V2RequestedOutput[] | undefined): void {
  requested?.forEach((o, i) => {
    if (!(OUTPUT_NAMES as readonly string[]).includes(o.name)) {
      throw bad(
        `outputs[${i}].name: unknown output ${quote(o.name)}; choose from ${OUTPUT_NAMES.join(', ')}`,
      );
    }
  });
}
