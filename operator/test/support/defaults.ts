// Which schema defaults a value lacks: the check that a resolved spec holds every default.
import type { TSchema } from 'typebox';
import type { JSONSchemaProps } from '../../src/api/schema.ts';

function walk(s: JSONSchemaProps, value: unknown, path: string): string[] {
  if (Array.isArray(value) && s.items) return value.flatMap((v, i) => walk(s.items!, v, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  return Object.entries(s.properties ?? {}).flatMap(([name, child]) => {
    const at = `${path}.${name}`;
    if (record[name] === undefined) return child.default === undefined ? [] : [at];
    return walk(child, record[name], at);
  });
}

/** Paths under `path` whose schema states a default the value (present parent) does not hold. */
export function unfilled(schema: TSchema, value: unknown, path = 'spec'): string[] {
  return walk(JSON.parse(JSON.stringify(schema)) as JSONSchemaProps, value, path);
}
