// Applying a schema's defaults, so code reads them from the schema instead of restating them.
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** A copy of `value` with every default of `schema` filled in where the value has none. */
export function withDefaults<S extends TSchema>(schema: S, value: unknown): Static<S> {
  return Value.Default(schema, structuredClone(value)) as Static<S>;
}

/** `T` with the fields `K` present: the ones its schema gives a default, once applied. */
export type Filled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
