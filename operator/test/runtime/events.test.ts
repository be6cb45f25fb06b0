import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEvent } from '../../src/runtime/events.ts';

describe('buildEvent', () => {
  const model = {
    apiVersion: 'personas.dtc.dev/v1alpha1',
    kind: 'PersonaModel',
    metadata: { name: 'customers', namespace: 'shop', uid: 'u-1', resourceVersion: '7' },
  };

  test('points at the object and names the reason, type and source', () => {
    const at = new Date('2025-01-01T00:00:00Z');
    const e = buildEvent(model, 'Warning', 'PromotionRefused', 'silhouette 0.1 < 0.25', at, 'pod-a');
    assert.equal(e.metadata.namespace, 'shop');
    assert.match(e.metadata.name!, /^customers\.[0-9a-f]+$/);
    assert.deepEqual(e.involvedObject, {
      apiVersion: 'personas.dtc.dev/v1alpha1',
      kind: 'PersonaModel',
      name: 'customers',
      namespace: 'shop',
      uid: 'u-1',
      resourceVersion: '7',
    });
    assert.equal(e.type, 'Warning');
    assert.equal(e.reason, 'PromotionRefused');
    assert.equal(e.count, 1);
    assert.equal(e.source?.component, 'persona-operator');
    assert.equal(e.reportingInstance, 'pod-a');
  });

  test('long messages are cut to the API limit', () => {
    const e = buildEvent(model, 'Normal', 'R', 'x'.repeat(5000), new Date(0), 'i');
    assert.equal(e.message?.length, 1024);
  });

  test('two events at different times get different names', () => {
    const a = buildEvent(model, 'Normal', 'R', 'm', new Date(1), 'i');
    const b = buildEvent(model, 'Normal', 'R', 'm', new Date(2), 'i');
    assert.notEqual(a.metadata.name, b.metadata.name);
  });
});
