// Customers of a month, sent to a predictor pod, and the answers as a table.
import type { V1Pod } from '@kubernetes/client-node';
import { SEED_COLUMNS, podReady, predictorPods, type E2e } from '../../test/e2e/support.ts';
import { DemoError, lpad, pad, say } from './output.ts';

export interface Prediction {
  persona: string;
  distance: number;
  confidence: number;
}

export type Row = Record<string, number | string>;

export async function sampleCustomers(e: E2e, month: string, n: number): Promise<Row[]> {
  // Spread over the month's batch rather than its first rows, which come from one draw.
  const { rows } = await e.registry.pool.query<Row>(
    `SELECT ${SEED_COLUMNS.join(', ')} FROM survey WHERE month = $1 ORDER BY ctid`,
    [month],
  );
  const step = Math.max(1, Math.floor(rows.length / n));
  return Array.from({ length: Math.min(n, rows.length) }, (_, i) => rows[i * step]);
}

export async function predict(
  e: E2e,
  model: string,
  rows: Row[],
): Promise<{ pod: V1Pod; version: string; predictions: Prediction[] }> {
  const pods = (await predictorPods(e, model)).filter(podReady);
  if (pods.length === 0) throw new DemoError(`no ready predictor pod of ${model}`);
  const pod = pods[0];
  const base = `http://${pod.status!.podIP}:8080`;
  const url = `${base}/v1/models/${model}:predict`;
  say(`POST ${url}  (pod ${pod.metadata!.name}, ${rows.length} customers)`);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: rows }),
  });
  const body = (await res.json()) as { predictions?: Prediction[]; error?: string };
  if (res.status !== 200 || !body.predictions)
    throw new DemoError(`predict: HTTP ${res.status} ${JSON.stringify(body)}`);
  const meta = (await (await fetch(`${base}/v2/models/${model}`)).json()) as { versions?: string[] };
  return { pod, version: meta.versions?.[0] ?? '?', predictions: body.predictions };
}

export function printPredictions(rows: Row[], preds: Prediction[], before?: Prediction[]): void {
  const num = (v: number | string, d = 0): string => Number(v).toFixed(d);
  const head = `  #  age  income   eco  price online  spend loyal trust channel  → ${pad('persona', 20)} distance  conf.${before ? '   (version 1 said)' : ''}`;
  console.log(head);
  rows.forEach((r, i) => {
    const p = preds[i];
    const cols = [
      lpad(String(i + 1), 3),
      lpad(num(r.age), 4),
      lpad(num(r.income), 7),
      lpad(num(r.eco_score, 1), 5),
      lpad(num(r.price_sensitivity, 1), 6),
      lpad(num(r.online_share, 2), 6),
      lpad(num(r.monthly_spend), 6),
      lpad(num(r.loyalty_years, 1), 5),
      lpad(num(r.brand_trust, 1), 5),
      pad(String(r.preferred_channel), 8),
    ].join(' ');
    const was = before ? `   ${before[i].persona}` : '';
    console.log(
      `${cols} → ${pad(p.persona, 20)} ${lpad(p.distance.toFixed(3), 8)} ${lpad(p.confidence.toFixed(2), 6)}${was}`,
    );
  });
}
