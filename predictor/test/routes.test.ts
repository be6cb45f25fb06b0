// Every route of the predictor through app.inject: KServe V1, Open Inference Protocol V2,
// health, readiness and metrics, before and after the model is loaded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildPredictorApp } from '../src/app.ts';
import { serveArtifact } from '../src/model.ts';
import { fixtureArtifact, KNOWN_ROWS } from './support/fixture.ts';
import { call, fixtureApp, inferV2, predictV1 } from './support/app.ts';

let app: FastifyInstance;
before(async () => {
  app = fixtureApp();
  await app.ready();
});
after(() => app.close());

describe('KServe V1', () => {
  test('GET /v1/models lists the served model', async () => {
    const res = await call(app, 'GET', '/v1/models');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { models: ['customers'] });
  });

  test('GET /v1/models/{name} reports readiness', async () => {
    const res = await call(app, 'GET', '/v1/models/customers');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { name: 'customers', ready: true });
  });

  test(':predict scores rows given as arrays in feature order', async () => {
    const res = await predictV1(
      app,
      KNOWN_ROWS.map((k) => k.row),
    );
    assert.equal(res.status, 200);
    const preds = res.body.predictions as {
      persona: string;
      personaId: number;
      distance: number;
      confidence: number;
    }[];
    assert.deepEqual(
      preds.map((p) => p.persona),
      KNOWN_ROWS.map((k) => k.persona),
    );
    for (const p of preds) {
      assert.deepEqual(Object.keys(p).sort(), ['confidence', 'distance', 'persona', 'personaId']);
      assert.ok(p.distance >= 0 && p.confidence >= 0 && p.confidence <= 1);
    }
    assert.deepEqual(
      preds.map((p) => p.personaId),
      [0, 1, 2],
    );
  });

  test(':predict scores rows given as objects keyed by feature name', async () => {
    const res = await predictV1(app, [
      { channel: 'store', age: 57, income: 72000 },
      { age: 30, income: 40000, channel: 'web' },
    ]);
    assert.equal(res.status, 200);
    const preds = res.body.predictions as { persona: string; distance: number; confidence: number }[];
    assert.deepEqual(
      preds.map((p) => p.persona),
      ['Older Store', 'Young Web'],
    );
    // The second row sits exactly on the Young Web centroid.
    assert.equal(preds[1].distance, 0);
    assert.equal(preds[1].confidence, 1);
  });

  test('arrays and objects can be mixed in one batch', async () => {
    const res = await predictV1(app, [KNOWN_ROWS[0].row, { age: 46, income: 115000, channel: 'web' }]);
    assert.equal(res.status, 200);
    assert.deepEqual(
      (res.body.predictions as { persona: string }[]).map((p) => p.persona),
      ['Young Web', 'Affluent Web'],
    );
  });
});

describe('Open Inference Protocol V2', () => {
  test('server and model metadata describe the inputs to send', async () => {
    const server = await call(app, 'GET', '/v2');
    assert.equal(server.status, 200);
    assert.equal(server.body.name, 'persona-predictor');
    const res = await call(app, 'GET', '/v2/models/customers');
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'customers');
    assert.deepEqual(res.body.versions, ['3']);
    assert.deepEqual(res.body.inputs, [
      { name: 'input-0', datatype: 'FP64', shape: [-1, 2] },
      { name: 'channel', datatype: 'BYTES', shape: [-1] },
    ]);
    assert.deepEqual(
      (res.body.outputs as { name: string }[]).map((o) => o.name),
      ['persona', 'persona_id', 'distance', 'confidence'],
    );
  });

  test('health and model readiness', async () => {
    assert.deepEqual((await call(app, 'GET', '/v2/health/live')).body, { live: true });
    assert.deepEqual((await call(app, 'GET', '/v2/health/ready')).body, { ready: true });
    const ready = await call(app, 'GET', '/v2/models/customers/ready');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { name: 'customers', ready: true });
  });

  test('infer with the numeric matrix plus a BYTES input per categorical feature', async () => {
    const res = await inferV2(app, {
      id: 'req-1',
      inputs: [
        { name: 'input-0', shape: [3, 2], datatype: 'FP64', data: [29, 39000, 57, 72000, 46, 115000] },
        { name: 'channel', shape: [3], datatype: 'BYTES', data: ['web', 'store', 'web'] },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.model_name, 'customers');
    assert.equal(res.body.model_version, '3');
    assert.equal(res.body.id, 'req-1');
    const outputs = res.body.outputs as {
      name: string;
      datatype: string;
      shape: number[];
      data: unknown[];
    }[];
    assert.deepEqual(
      outputs.map((o) => [o.name, o.datatype, o.shape]),
      [
        ['persona', 'BYTES', [3]],
        ['persona_id', 'INT64', [3]],
        ['distance', 'FP64', [3]],
        ['confidence', 'FP64', [3]],
      ],
    );
    assert.deepEqual(
      outputs[0].data,
      KNOWN_ROWS.map((k) => k.persona),
    );
    assert.deepEqual(outputs[1].data, [0, 1, 2]);
  });

  test('infer with one named tensor per feature, nested data and chosen outputs', async () => {
    const res = await inferV2(app, {
      inputs: [
        { name: 'channel', shape: [2, 1], datatype: 'BYTES', data: [['store'], ['web']] },
        { name: 'income', shape: [2], datatype: 'FP32', data: [72000, 40000] },
        { name: 'age', shape: [2], datatype: 'INT32', data: [57, 30] },
      ],
      outputs: [{ name: 'persona' }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.outputs, [
      { name: 'persona', datatype: 'BYTES', shape: [2], data: ['Older Store', 'Young Web'] },
    ]);
  });

  test('the matrix may be nested one array per row', async () => {
    const res = await inferV2(app, {
      inputs: [
        {
          name: 'input-0',
          shape: [2, 2],
          datatype: 'FP64',
          data: [
            [29, 39000],
            [57, 72000],
          ],
        },
        { name: 'channel', shape: [2], datatype: 'BYTES', data: ['web', 'store'] },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual((res.body.outputs as { data: unknown[] }[])[0].data, ['Young Web', 'Older Store']);
  });
});

describe('health, readiness and metrics', () => {
  test('/healthz and /readyz', async () => {
    const live = await call(app, 'GET', '/healthz');
    assert.deepEqual([live.status, live.body], [200, { status: 'ok' }]);
    const ready = await call(app, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready' });
  });

  test('/metrics exposes request durations, predictions by persona, rows per request and the model', async () => {
    await predictV1(app, [KNOWN_ROWS[2].row, KNOWN_ROWS[2].row]);
    const res = await app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const text = res.body;
    assert.match(text, /^# TYPE persona_predictor_request_duration_seconds histogram$/m);
    assert.match(
      text,
      /^persona_predictor_request_duration_seconds_count\{route="\/v1\/models\/:target",method="POST",status_code="200"\} \d+$/m,
    );
    const affluent = /^persona_predictor_predictions_total\{persona="Affluent Web"\} (\d+)$/m.exec(text);
    assert.ok(affluent && Number(affluent[1]) >= 2, 'predictions are counted by persona');
    assert.match(text, /^persona_predictor_rows_per_request_bucket\{le="2"\} \d+$/m);
    assert.match(text, /^persona_predictor_model_info\{model="customers",version="3"\} 1$/m);
    assert.match(text, /^persona_predictor_prediction_log_dropped_total\{reason="queue_full"\} 0$/m);
  });

  test('default process metrics are collected unless turned off', async () => {
    const withDefaults = buildPredictorApp({ model: serveArtifact(fixtureArtifact()) });
    try {
      const text = (await withDefaults.inject({ url: '/metrics' })).body;
      assert.match(text, /^process_cpu_seconds_total /m);
      assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    } finally {
      await withDefaults.close();
    }
  });

  test('unmatched URLs share one metrics label', async () => {
    await call(app, 'GET', '/no/such/path/42');
    const text = (await app.inject({ url: '/metrics' })).body;
    assert.match(text, /route="unmatched",method="GET",status_code="404"/);
    assert.doesNotMatch(text, /no\/such\/path/);
  });
});

describe('before the model is loaded', () => {
  test('liveness answers, readiness does not, model routes say loading', async () => {
    const loading = buildPredictorApp({ defaultMetrics: false });
    try {
      assert.equal((await call(loading, 'GET', '/healthz')).status, 200);
      assert.equal((await call(loading, 'GET', '/v2/health/live')).status, 200);
      assert.deepEqual(await call(loading, 'GET', '/readyz').then((r) => [r.status, r.body]), [
        503,
        { status: 'loading' },
      ]);
      assert.deepEqual(await call(loading, 'GET', '/v2/health/ready').then((r) => [r.status, r.body]), [
        503,
        { ready: false },
      ]);
      assert.deepEqual((await call(loading, 'GET', '/v1/models')).body, { models: [] });
      const predict = await predictV1(loading, [KNOWN_ROWS[0].row]);
      assert.equal(predict.status, 503);
      assert.match(String(predict.body.error), /still loading/);

      loading.predictor.setModel(serveArtifact(fixtureArtifact()));
      assert.equal((await call(loading, 'GET', '/readyz')).status, 200);
      assert.equal((await predictV1(loading, [KNOWN_ROWS[0].row])).status, 200);
    } finally {
      await loading.close();
    }
  });

  test('shutting down turns readiness false while liveness stays', async () => {
    const closing = fixtureApp();
    await closing.ready();
    const done = closing.predictor.shutdown({ drainDelayMs: 50 });
    assert.equal(closing.predictor.state.ready, false);
    const inject = await call(closing, 'GET', '/readyz');
    assert.deepEqual([inject.status, inject.body], [503, { status: 'shutting down' }]);
    assert.equal((await call(closing, 'GET', '/v2/models/customers/ready')).status, 503);
    assert.equal((await call(closing, 'GET', '/healthz')).status, 200);
    await done;
  });
});

describe('model name', () => {
  test('--name style override serves the model under another name', async () => {
    const renamed = buildPredictorApp({
      model: serveArtifact(fixtureArtifact(), { name: 'buyers' }),
      defaultMetrics: false,
    });
    try {
      assert.equal((await predictV1(renamed, [KNOWN_ROWS[0].row], 'buyers')).status, 200);
      assert.equal((await predictV1(renamed, [KNOWN_ROWS[0].row], 'customers')).status, 404);
    } finally {
      await renamed.close();
    }
  });

  test('an artifact without a recorded name needs one', () => {
    const artifact = fixtureArtifact();
    delete artifact.model;
    assert.throws(() => serveArtifact(artifact), /has no name/);
  });
});
