// Schema builders for shapes TypeBox spells differently from what the consumers need: string
// enums and string-keyed maps in the forms Kubernetes structural schemas accept ("type" set,
// additionalProperties rather than patternProperties), which Ajv validates the same way.
import { Type, type TSchemaOptions, type Static, type TSchema, type TUnsafe } from 'typebox';

/** A string that is one of `values`. */
export function StringEnum<const V extends readonly string[]>(
  values: V,
  options: TSchemaOptions = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** An object whose keys are free and whose values all match `value`. */
export function StringMap<V extends TSchema>(
  value: V,
  options: TSchemaOptions = {},
): TUnsafe<Record<string, Static<V>>> {
  return Type.Unsafe<Record<string, Static<V>>>({ type: 'object', additionalProperties: value, ...options });
}
