// ControllerRunner: reconciles queued keys, retries failures, requeues on request, and
// pauses (leadership lost) without losing the keys that arrive meanwhile.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerRunner, type Controller } from '../../src/runtime/controller.ts';
import { silentLogger } from '../../src/runtime/logger.ts';
import { createMetrics } from '../../src/runtime/metrics.ts';

function fakeController(keys: string[], reconcile: Controller['reconcile']) {
  let enqueue: (key: string) => void = () => undefined;
  const controller: Controller = {
    name: 'fake',
    setup: (e) => {
      enqueue = e;
    },
    keys: () => keys,
    reconcile,
  };
  return { controller, enqueue: (k: string) => enqueue(k) };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition not reached');
};

describe('ControllerRunner', () => {
  test('reconciles every known key on start, and keys enqueued later', async () => {
    const seen: string[] = [];
    const f = fakeController(['ns/a', 'ns/b'], async (key) => {
      seen.push(key);
    });
    const runner = new ControllerRunner(f.controller, {
      metrics: createMetrics(),
      logger: silentLogger,
      workers: 2,
    });
    runner.start();
    f.enqueue('ns/c');
    await until(() => seen.length === 3);
    assert.deepEqual([...seen].sort(), ['ns/a', 'ns/b', 'ns/c']);
    await runner.stop();
  });

  test('a failing reconcile is retried and counted as an error', async () => {
    let calls = 0;
    const metrics = createMetrics();
    const f = fakeController(['ns/a'], async () => {
      calls++;
      if (calls < 3) throw new Error('transient');
    });
    const runner = new ControllerRunner(f.controller, { metrics, logger: silentLogger, workers: 1 });
    runner.start();
    await until(() => calls === 3);
    const errors = await metrics.reconcileErrors.get();
    assert.equal(errors.values[0]?.value, 2);
    await runner.stop();
  });

  test("exports controller-runtime's reconcile and work-queue series for the controller", async () => {
    const metrics = createMetrics();
    let calls = 0;
    const f = fakeController(['ns/ok', 'ns/later', 'ns/flaky'], async (key) => {
      calls++;
      if (key === 'ns/later') return { requeueAfterMs: 60_000 };
      if (key === 'ns/flaky' && calls <= 3) throw new Error('transient');
      return undefined;
    });
    const runner = new ControllerRunner(f.controller, { metrics, logger: silentLogger, workers: 3 });
    const zero = await metrics.registry.metrics();
    assert.match(zero, /^controller_runtime_reconcile_errors_total\{controller="fake"\} 0$/m);
    assert.match(zero, /^workqueue_retries_total\{name="fake"\} 0$/m);
    runner.start();
    await until(() => calls === 4);
    await runner.stop();
    const text = await metrics.registry.metrics();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} is exported`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value('controller_runtime_reconcile_total{controller="fake",result="success"}'), 2);
    assert.equal(value('controller_runtime_reconcile_total{controller="fake",result="requeue_after"}'), 1);
    assert.equal(value('controller_runtime_reconcile_total{controller="fake",result="error"}'), 1);
    assert.equal(value('controller_runtime_reconcile_errors_total{controller="fake"}'), 1);
    assert.equal(value('controller_runtime_reconcile_time_seconds_count{controller="fake"}'), 4);
    assert.equal(value('controller_runtime_max_concurrent_reconciles{controller="fake"}'), 3);
    assert.equal(value('controller_runtime_active_workers{controller="fake"}'), 0);
    assert.equal(value('workqueue_adds_total{name="fake"}'), 4, 'three keys, one of them retried');
    assert.equal(value('workqueue_retries_total{name="fake"}'), 1);
    assert.equal(value('workqueue_queue_duration_seconds_count{name="fake"}'), 4);
    assert.equal(value('workqueue_work_duration_seconds_count{name="fake"}'), 4);
    assert.equal(value('workqueue_depth{name="fake"}'), 0);
  });

  test('paused, it reconciles nothing; keys queued meanwhile run on resume', async () => {
    const seen: string[] = [];
    const f = fakeController([], async (key) => {
      seen.push(key);
    });
    const runner = new ControllerRunner(f.controller, {
      metrics: createMetrics(),
      logger: silentLogger,
      workers: 2,
    });
    runner.start();
    f.enqueue('ns/first');
    await until(() => seen.length === 1);
    await runner.pause();
    f.enqueue('ns/while-paused');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(seen, ['ns/first']);
    runner.start();
    await until(() => seen.length === 2);
    assert.equal(seen[1], 'ns/while-paused');
    await runner.stop();
  });

  test('pause waits for the reconcile in flight', async () => {
    let release: () => void = () => undefined;
    let finished = false;
    const f = fakeController(['ns/slow'], async () => {
      await new Promise<void>((r) => (release = r));
      finished = true;
    });
    const runner = new ControllerRunner(f.controller, {
      metrics: createMetrics(),
      logger: silentLogger,
      workers: 1,
    });
    runner.start();
    await new Promise((r) => setTimeout(r, 20));
    const paused = runner.pause();
    setTimeout(() => release(), 20);
    await paused;
    assert.equal(finished, true);
    await runner.stop();
  });
});
