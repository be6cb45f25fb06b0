// Every field of the generated CRDs is documented, so `kubectl explain` describes the whole API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JSONSchemaProps } from '../../src/api/schema.ts';
import { allCrds } from '../../src/api/v1alpha1/crds.ts';

// The API server refuses anything but name and generateName under metadata; kubectl explain
// describes ObjectMeta from its own schema.
const exempt = new Set(allCrds.map((crd) => `${crd.spec.names.kind}.metadata`));

function undocumented(schema: JSONSchemaProps, path: string): string[] {
  const out = schema.description?.trim() || exempt.has(path) ? [] : [path];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    out.push(...undocumented(child, `${path}.${name}`));
  }
  if (schema.items) out.push(...undocumented(schema.items, `${path}[]`));
  if (schema.additionalProperties) out.push(...undocumented(schema.additionalProperties, `${path}.<key>`));
  return out;
}

for (const crd of allCrds) {
  test(`every field of ${crd.spec.names.kind} has a description`, () => {
    const root = crd.spec.versions[0].schema.openAPIV3Schema;
    assert.deepEqual(undocumented(root, crd.spec.names.kind), []);
  });
}

test('the walk reaches nested fields and notices a missing description', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    description: 'root',
    properties: {
      list: {
        type: 'array',
        description: 'a list',
        items: { type: 'object', properties: { x: { type: 'string' } } },
      },
    },
  };
  assert.deepEqual(undocumented(schema, 'R'), ['R.list[]', 'R.list[].x']);
});
