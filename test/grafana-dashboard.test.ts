// The chart's Grafana dashboard plots only metrics the code exports: every metric name in a
// panel's query must be registered by the operator's or the predictor's metrics registry (a
// histogram's _bucket, _sum and _count series included), and the chart renders it as a
// ConfigMap with the sidecar's label only when switched on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PredictorMetrics } from '@persona-operator/predictor/metrics';
import { createMetrics } from '../operator/src/runtime/metrics.ts';
import { helmPath } from './cluster/index.ts';

const CHART = fileURLToPath(new URL('../charts/persona-operator/', import.meta.url));
const DASHBOARD = JSON.parse(readFileSync(`${CHART}files/grafana-dashboard.json`, 'utf8')) as Dashboard;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
}

/** Every series name the two registries export, histograms expanded to their three series. */
async function exportedNames(): Promise<Set<string>> {
  const registries = [createMetrics({ defaultMetrics: true }).registry, new PredictorMetrics().registry];
  const names = new Set<string>();
  for (const r of registries) {
    for (const m of await r.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
    }
  }
  return names;
}

/** Metric names in a PromQL expression: this product's, and the controller-runtime-named ones. */
const metricNames = (expr: string): string[] =>
  [...expr.matchAll(/\b(?:persona|workqueue|controller_runtime)_[a-z_]+\b/g)].map((m) => m[0]);

test('every dashboard query names only exported metrics', async () => {
  const exported = await exportedNames();
  const queries = DASHBOARD.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );
  assert.ok(queries.length >= 15, `the dashboard has ${queries.length} queries`);
  const used = new Set<string>();
  for (const q of queries) {
    const names = metricNames(q.expr);
    assert.ok(names.length > 0, `panel "${q.panel}" queries no persona metric: ${q.expr}`);
    for (const n of names) {
      assert.ok(exported.has(n), `panel "${q.panel}" uses ${n}, which the code does not export`);
      used.add(n);
    }
  }
  // What the dashboard is for: each of these is plotted.
  for (const n of [
    'persona_predictor_request_duration_seconds_bucket',
    'persona_predictor_predictions_total',
    'persona_operator_events_total',
    'controller_runtime_reconcile_total',
    'controller_runtime_reconcile_errors_total',
    'workqueue_depth',
    'workqueue_queue_duration_seconds_bucket',
    'workqueue_work_duration_seconds_bucket',
    'workqueue_adds_total',
    'workqueue_retries_total',
    'persona_operator_job_duration_seconds_bucket',
  ]) {
    assert.ok(used.has(n), `the dashboard plots ${n}`);
  }
});

test('panel ids are unique and every panel sits on the grid', () => {
  const ids = DASHBOARD.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const p of DASHBOARD.panels) {
    const g = p.gridPos;
    assert.ok(
      g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0,
      `panel "${p.title}" fits the 24-column grid`,
    );
  }
  assert.equal(DASHBOARD.uid, 'persona-operator');
});

test('the chart renders the dashboard ConfigMap with the sidecar label only when enabled', () => {
  const render = (...set: string[]) =>
    execFileSync(helmPath(), ['template', 'po', CHART, ...set.flatMap((s) => ['--set', s])], {
      encoding: 'utf8',
    });
  assert.doesNotMatch(render(), /persona-operator\.json/);
  const on = render(
    'grafana.dashboard.enabled=true',
    'grafana.dashboard.annotations.grafana_folder=Personas',
  );
  const doc = on.split('\n---\n').find((d) => d.includes('persona-operator.json'));
  assert.ok(doc, 'a ConfigMap holds the dashboard');
  assert.match(doc, /kind: ConfigMap/);
  assert.match(doc, /grafana_dashboard: "1"/);
  assert.match(doc, /grafana_folder: Personas/);
  assert.match(doc, /"uid": "persona-operator"/);
});
