// Feature encoding: numeric columns standardised with the training mean and population standard
// deviation (scikit-learn's StandardScaler), categorical columns one-hot encoded over the sorted
// training categories. k-means then measures every feature on a comparable scale.
import { InputError } from '../data/input-error.ts';
import type { FeatureEncoding, FeatureSpec, RawValue } from '../artifact/types.ts';
import { encodedDimension } from '../artifact/validate.ts';
import type { Points } from '../kmeans/points.ts';
import { getColumn, rowLocation, type Table } from '../data/table.ts';

/** A value that cannot be encoded (unknown category, wrong type); the message names column and value. */
export class EncodingError extends InputError {
  constructor(
    message: string,
    readonly column: string,
  ) {
    super(message);
    this.name = 'EncodingError';
  }
}

/** The divisor of a standardised column: its std, or 1 for a constant column. */
export function scaleFor(mean: number, std: number): number {
  // Rounding leaves a tiny std on a constant column with a large mean; dividing by it would blow up noise.
  return std <= 10 * Number.EPSILON * Math.max(1, Math.abs(mean)) ? 1 : std;
}

/**
 * Learns the encoding of `features` from the table. A constant numeric column (std 0, or zero
 * up to rounding) gets scale 1, as StandardScaler does, so it encodes to 0 instead of NaN.
 */
export function fitEncoding(table: Table, features: readonly FeatureSpec[]): FeatureEncoding[] {
  if (table.rowCount === 0)
    throw new EncodingError('no rows to learn the encoding from', features[0]?.name ?? '');
  return features.map((f) => {
    const col = getColumn(table, f.name);
    if (col.type !== f.type) {
      throw new EncodingError(
        `column "${f.name}": expected ${f.type} values, the data has ${col.type} ones`,
        f.name,
      );
    }
    if (col.type === 'numeric') {
      const v = col.values;
      let mean = 0;
      for (let i = 0; i < v.length; i++) mean += v[i];
      mean /= v.length;
      let ss = 0;
      for (let i = 0; i < v.length; i++) {
        const x = v[i] - mean;
        ss += x * x;
      }
      const std = Math.sqrt(ss / v.length);
      return { name: f.name, type: 'numeric', mean, std, scale: scaleFor(mean, std) };
    }
    const categories = [...new Set(col.values)].sort();
    return { name: f.name, type: 'categorical', categories };
  });
}

/** Encodes every row of the table into the model's space (n x encodedDimension). */
export function encodeTable(table: Table, encodings: readonly FeatureEncoding[]): Points {
  const n = table.rowCount;
  const d = encodedDimension(encodings);
  const values = new Float64Array(n * d);
  let offset = 0;
  for (const enc of encodings) {
    const col = getColumn(table, enc.name);
    if (enc.type === 'numeric') {
      if (col.type !== 'numeric')
        throw new EncodingError(`column "${enc.name}": expected numeric values`, enc.name);
      for (let i = 0; i < n; i++) values[i * d + offset] = (col.values[i] - enc.mean) / enc.scale;
      offset += 1;
    } else {
      const index = new Map(enc.categories.map((c, j) => [c, j] as const));
      const cells = col.values;
      for (let i = 0; i < n; i++) {
        const key = String(cells[i]);
        const j = index.get(key);
        if (j === undefined) {
          throw new EncodingError(
            `column "${enc.name}", ${rowLocation(table, i)}: unknown category ${JSON.stringify(key)} (known: ${enc.categories.join(', ')})`,
            enc.name,
          );
        }
        values[i * d + offset + j] = 1;
      }
      offset += enc.categories.length;
    }
  }
  return { values, n, d };
}

/** Encodes one raw-unit point (e.g. a pre-defined persona centroid); `what` prefixes errors. */
export function encodeRaw(
  point: Record<string, RawValue>,
  encodings: readonly FeatureEncoding[],
  what: string,
): number[] {
  const out: number[] = [];
  for (const key of Object.keys(point)) {
    if (!encodings.some((e) => e.name === key))
      throw new EncodingError(`${what}: "${key}" is not a feature of the model`, key);
  }
  for (const enc of encodings) {
    if (!Object.hasOwn(point, enc.name))
      throw new EncodingError(`${what}: feature "${enc.name}" is missing`, enc.name);
    const v = point[enc.name];
    if (enc.type === 'numeric') {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new EncodingError(
          `${what}, feature "${enc.name}": expected a finite number, got ${JSON.stringify(v)}`,
          enc.name,
        );
      }
      out.push((v - enc.mean) / enc.scale);
    } else {
      const j = typeof v === 'string' ? enc.categories.indexOf(v) : -1;
      if (j < 0) {
        throw new EncodingError(
          `${what}, feature "${enc.name}": unknown category ${JSON.stringify(v)} (known: ${enc.categories.join(', ')})`,
          enc.name,
        );
      }
      for (let c = 0; c < enc.categories.length; c++) out.push(c === j ? 1 : 0);
    }
  }
  return out;
}

/** Back to raw units: numeric values unscaled, categorical ones as the dominant category. */
export function decodePoint(
  scaled: ArrayLike<number>,
  encodings: readonly FeatureEncoding[],
): Record<string, RawValue> {
  const out: Record<string, RawValue> = {};
  let offset = 0;
  for (const enc of encodings) {
    if (enc.type === 'numeric') {
      out[enc.name] = scaled[offset] * enc.scale + enc.mean;
      offset += 1;
    } else {
      let best = 0;
      for (let c = 1; c < enc.categories.length; c++)
        if (scaled[offset + c] > scaled[offset + best]) best = c;
      out[enc.name] = enc.categories[best];
      offset += enc.categories.length;
    }
  }
  return out;
}
