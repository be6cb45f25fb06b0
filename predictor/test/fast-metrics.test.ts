// The request-path metrics registered in a prom-client Registry: exposition format, cumulative
// buckets with inclusive upper bounds, sums, counts and label sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../src/fast-metrics.ts';

test('a histogram exports cumulative buckets, +Inf, sum and count per label set', async () => {
  const registry = new Registry();
  const h = new FastHistogram('demo_seconds', 'Demo.', ['route'], [0.1, 1]).register(registry);
  const a = h.child('/a');
  for (const v of [0.05, 0.1, 0.5, 3]) a.observe(v);
  h.child('/b').observe(2);
  assert.equal(h.child('/a'), a, 'the same labels give the same series');
  const text = await registry.metrics();
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(0, 2), ['# HELP demo_seconds Demo.', '# TYPE demo_seconds histogram']);
  for (const expected of [
    'demo_seconds_bucket{route="/a",le="0.1"} 2',
    'demo_seconds_bucket{route="/a",le="1"} 3',
    'demo_seconds_bucket{route="/a",le="+Inf"} 4',
    'demo_seconds_sum{route="/a"} 3.65',
    'demo_seconds_count{route="/a"} 4',
    'demo_seconds_bucket{route="/b",le="1"} 0',
    'demo_seconds_bucket{route="/b",le="+Inf"} 1',
    'demo_seconds_count{route="/b"} 1',
  ]) {
    assert.ok(lines.includes(expected), `${expected} in\n${text}`);
  }
  registry.resetMetrics();
  assert.doesNotMatch(await registry.metrics(), /demo_seconds_count/);
});

test('a counter exports one value per label set, and an unlabelled histogram has no braces but le', async () => {
  const registry = new Registry();
  const c = new FastCounter('demo_total', 'Demo counter.', ['persona']).register(registry);
  c.child('Eco Emma').inc();
  c.child('Eco Emma').inc(2);
  c.child('Budget "Brian"').inc(0);
  const h = new FastHistogram('demo_rows', 'Rows.', [], [1, 10]).register(registry);
  h.child().observe(1);
  const text = await registry.metrics();
  assert.match(text, /^# TYPE demo_total counter$/m);
  assert.match(text, /^demo_total\{persona="Eco Emma"\} 3$/m);
  assert.match(text, /^demo_total\{persona="Budget \\"Brian\\""\} 0$/m);
  assert.match(text, /^demo_rows_bucket\{le="1"\} 1$/m);
  assert.match(text, /^demo_rows_sum 1$/m);
  assert.match(text, /^demo_rows_count 1$/m);
  const json = await registry.getMetricsAsJSON();
  assert.deepEqual(
    json.map((m) => [m.name, m.type]),
    [
      ['demo_total', 'counter'],
      ['demo_rows', 'histogram'],
    ],
  );
});
