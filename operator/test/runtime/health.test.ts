import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHealthServer } from '../../src/runtime/health.ts';
import { createMetrics } from '../../src/runtime/metrics.ts';

describe('health server', () => {
  test('serves healthz, readyz by its checks, and the metrics text', async (t) => {
    const metrics = createMetrics();
    let synced = false;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: metrics.registry,
      readiness: { informers: () => (synced ? undefined : 'personamodels not synced') },
    });
    t.after(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;

    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /informers: personamodels not synced/);
    synced = true;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);

    metrics.reconciles.inc({ controller: 'personamodel', result: 'success' });
    metrics.leader.set(1);
    metrics.workqueue.depth.set({ name: 'personamodel' }, 3);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(
      text,
      /^controller_runtime_reconcile_total\{controller="personamodel",result="success"\} 1$/m,
    );
    assert.match(text, /persona_operator_leader 1/);
    assert.match(text, /^workqueue_depth\{name="personamodel"\} 3$/m);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
  });
});
