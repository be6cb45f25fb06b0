// resolveMonitorSpec fills every default the DriftMonitor schema states, wherever the field's
// parent is present, so the controller never restates a default in code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DriftMonitorSpecSchema, type DriftMonitorSpec } from '../../../src/api/v1alpha1/driftmonitor.ts';
import { resolveMonitorSpec, resolveSecretKeyRef } from '../../../src/controllers/driftmonitor/defaults.ts';
import { unfilled } from '../../support/defaults.ts';

const minimal: DriftMonitorSpec = {
  modelRef: { name: 'customers' },
  current: { postgres: { secretRef: { name: 'db' }, query: 'SELECT age FROM t' } },
};
const everyPart: DriftMonitorSpec = {
  modelRef: { name: 'customers' },
  current: { predictions: {} },
  tests: { perFeature: { age: { threshold: 0.2 } } },
  action: { retrain: {} },
  notify: [
    { telegram: { botTokenSecretRef: { name: 'bot' }, chatId: '42' } },
    { slack: { webhookSecretRef: { name: 'slack' } } },
    { webhook: { url: 'https://h/x', hmacSecretRef: { name: 'hmac' } }, onNoDrift: true },
  ],
};

describe('resolveMonitorSpec', () => {
  test('fills every schema default', () => {
    for (const spec of [minimal, everyPart]) {
      assert.deepEqual(unfilled(DriftMonitorSpecSchema, resolveMonitorSpec(spec)), []);
    }
  });

  test('the check notices a default that is not filled', () => {
    assert.deepEqual(unfilled(DriftMonitorSpecSchema, everyPart), [
      'spec.current.predictions.window',
      'spec.schedule',
      'spec.tests.numeric',
      'spec.tests.categorical',
      'spec.tests.driftShare',
      'spec.tests.personaMix',
      'spec.tests.novelty',
      'spec.tests.perPersona',
      'spec.action.retrain.data',
      'spec.action.retrain.minRows',
      'spec.action.cooldown',
      'spec.notify[0].telegram.botTokenSecretRef.key',
      'spec.notify[0].onNoDrift',
      'spec.notify[1].slack.webhookSecretRef.key',
      'spec.notify[1].onNoDrift',
      'spec.notify[2].webhook.hmacSecretRef.key',
    ]);
  });

  test('takes the defaults from the schema and keeps what the spec says', () => {
    const m = resolveMonitorSpec(minimal);
    assert.equal(m.schedule, '0 * * * *');
    assert.deepEqual(m.tests, {
      numeric: 'auto',
      categorical: 'auto',
      driftShare: 0.5,
      personaMix: { enabled: true, test: 'auto' },
      novelty: { enabled: true, percentile: 0.99, maxShare: 0.05 },
      perPersona: { enabled: true, minRows: 30, falseAlarmRate: 0.01 },
    });
    assert.deepEqual(m.action, { cooldown: '24h' });
    const key: string = m.current.postgres!.secretRef.key;
    assert.equal(key, 'url');
    const e = resolveMonitorSpec(everyPart);
    assert.equal(e.current.predictions!.window, '24h');
    // `retrain: {}` retrains on the data that drifted, with at least 100 current rows.
    assert.deepEqual(e.action, { retrain: { data: 'Current', minRows: 100 }, cooldown: '24h' });
    assert.deepEqual(
      e.notify!.map((t) => t.onNoDrift),
      [false, false, true],
    );
    const custom = resolveMonitorSpec({ ...minimal, schedule: '*/5 * * * *', action: { cooldown: '1h' } });
    assert.equal(custom.schedule, '*/5 * * * *');
    assert.deepEqual(custom.action, { cooldown: '1h' });
  });

  test('a stored boolean retrain reads as the default settings (true) or none (false)', () => {
    const legacy = (retrain: boolean) =>
      resolveMonitorSpec({ ...minimal, action: { retrain } as unknown as DriftMonitorSpec['action'] }).action;
    assert.deepEqual(legacy(true), { retrain: { data: 'Current', minRows: 100 }, cooldown: '24h' });
    assert.deepEqual(legacy(false), { cooldown: '24h' });
  });

  test('does not change the spec it was given', () => {
    const spec = structuredClone(everyPart);
    resolveMonitorSpec(spec);
    assert.deepEqual(spec, everyPart);
  });

  test("another object's secret ref gets the schema's key", () => {
    assert.deepEqual(resolveSecretKeyRef({ name: 'registry' }), { name: 'registry', key: 'url' });
    assert.deepEqual(resolveSecretKeyRef({ name: 'registry', key: 'dsn' }), { name: 'registry', key: 'dsn' });
  });
});
