// From fitted centroids to named personas: the names users already know (previous version or
// pre-defined personas) and the centroids of fixed mode.
import type { FeatureEncoding, Persona, RawValue } from '../artifact/types.ts';
import { encodedDimension } from '../artifact/validate.ts';
import { decodePoint, encodeRaw } from '../encoding/encoding.ts';
import type { ReferencePersona } from '../personas/naming.ts';
import { flatten } from './flatten.ts';
import { TrainSpecError, type PersonaDefinition, type TrainSpec } from './spec.ts';

export function referencePersonas(spec: TrainSpec, encodings: FeatureEncoding[]): ReferencePersona[] {
  // The previous version wins: its names are the ones users already see.
  if (spec.previous) {
    // Names carry over only when the feature set is the same; otherwise distances mean nothing.
    const prev = new Map(spec.previous.features.map((f) => [f.name, f.type] as const));
    const same = encodings.length === prev.size && encodings.every((e) => prev.get(e.name) === e.type);
    if (same) {
      return spec.previous.personas.map((p) => ({
        name: p.name,
        scaled: encodeLenient(p.centroid, encodings),
      }));
    }
  }
  return (spec.personas ?? []).map((p, i) => ({
    name: p.name,
    scaled: encodeRaw(p.centroid, encodings, `persona ${i + 1} ("${p.name}")`),
  }));
}

/** Like encodeRaw, but a category the new data no longer has simply matches nothing. */
function encodeLenient(point: Record<string, RawValue>, encodings: FeatureEncoding[]): number[] {
  const out: number[] = [];
  for (const enc of encodings) {
    const v = point[enc.name];
    if (enc.type === 'numeric') out.push((Number(v) - enc.mean) / enc.scale);
    else for (const c of enc.categories) out.push(c === v ? 1 : 0);
  }
  return out;
}

/** The pre-defined personas' centroids, encoded (k x d); their names must be given and distinct. */
export function fixedCentroids(
  defs: readonly PersonaDefinition[],
  encodings: FeatureEncoding[],
): Float64Array {
  const names = new Set<string>();
  for (const p of defs) {
    if (!p.name) throw new TrainSpecError('every pre-defined persona needs a name');
    if (names.has(p.name)) throw new TrainSpecError(`persona name "${p.name}" is used twice`);
    names.add(p.name);
  }
  return flatten(
    defs.map((p, i) => encodeRaw(p.centroid, encodings, `persona ${i + 1} ("${p.name}")`)),
    encodedDimension(encodings),
  );
}

/** The named personas from the chosen centroids (k x d, scaled) and the names matched to them. */
export function personasOf(
  naming: readonly { cluster: number; name: string; generated: boolean }[],
  centroids: Float64Array,
  encodings: FeatureEncoding[],
): Persona[] {
  const d = centroids.length / naming.length;
  return naming.map((nm, id) => {
    const scaled = Array.from(centroids.subarray(nm.cluster * d, nm.cluster * d + d));
    const p: Persona = { id, name: nm.name, centroid: decodePoint(scaled, encodings), scaled };
    if (nm.generated) p.generated = true;
    return p;
  });
}
