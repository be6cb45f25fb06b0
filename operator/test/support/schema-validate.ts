// A small checker of values against our structural schemas: type, required, enum, bounds,
// pattern and unknown fields. It lets unit tests prove that typed samples fit the CRD
// schema without a cluster; CEL rules need the real API server and are tested there.
import type { JSONSchemaProps } from '../../src/api/schema.ts';

export function schemaErrors(schema: JSONSchemaProps, value: unknown, path = ''): string[] {
  const at = path || '<root>';
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value === 'number' && Number.isInteger(value)) return [];
    if (typeof value !== 'string') return [`${at}: expected integer or string`];
    return schema.pattern && !new RegExp(schema.pattern).test(value)
      ? [`${at}: does not match ${schema.pattern}`]
      : [];
  }
  if (!schema.type)
    return schema['x-kubernetes-preserve-unknown-fields'] ? [] : [`${at}: schema has no type`];
  const errors: string[] = [];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at}: expected string`];
      if (schema.pattern && !new RegExp(schema.pattern).test(value))
        errors.push(`${at}: does not match pattern`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: too long`);
      if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: too short`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) {
        return [`${at}: expected ${schema.type}`];
      }
      if (schema.minimum !== undefined && value < schema.minimum)
        errors.push(`${at}: below ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum)
        errors.push(`${at}: above ${schema.maximum}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${at}: expected boolean`];
      break;
    case 'array':
      if (!Array.isArray(value)) return [`${at}: expected array`];
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        errors.push(`${at}: too many items`);
      if (schema.minItems !== undefined && value.length < schema.minItems)
        errors.push(`${at}: too few items`);
      value.forEach((item, i) => errors.push(...schemaErrors(schema.items ?? {}, item, `${path}[${i}]`)));
      break;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return [`${at}: expected object`];
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${at}: missing ${key}`);
      for (const [key, v] of Object.entries(record)) {
        const sub = schema.properties?.[key] ?? schema.additionalProperties;
        if (!sub) errors.push(`${path}.${key}: unknown field`);
        else errors.push(...schemaErrors(sub, v, `${path}.${key}`));
      }
      break;
    }
  }
  if (schema.enum && !schema.enum.includes(value as string | number))
    errors.push(`${at}: not one of the enum`);
  return errors;
}

/** Every property path the schema declares (maps and arrays descend with `*`). */
export function schemaPaths(schema: JSONSchemaProps, path = ''): string[] {
  const out: string[] = [];
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    out.push(`${path}.${key}`, ...schemaPaths(sub, `${path}.${key}`));
  }
  if (schema.items) out.push(...schemaPaths(schema.items, `${path}[*]`));
  if (schema.additionalProperties) out.push(...schemaPaths(schema.additionalProperties, `${path}.*`));
  return out;
}

/** Every property path a value holds, in the same notation as schemaPaths. */
export function valuePaths(schema: JSONSchemaProps, value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => valuePaths(schema.items ?? {}, v, `${path}[*]`));
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (schema.properties?.[key]) {
      out.push(`${path}.${key}`, ...valuePaths(schema.properties[key], v, `${path}.${key}`));
    } else if (schema.additionalProperties) {
      out.push(...valuePaths(schema.additionalProperties, v, `${path}.*`));
    }
  }
  return out;
}
