// Every kind of bad input gets a 4xx with a JSON error naming the row and the feature at
// fault: never a 500, never a silent coercion or a dropped property.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildPredictorApp } from '../src/app.ts';
import { serveArtifact } from '../src/model.ts';
import { call, fixtureApp, inferV2, predictV1, type JsonResponse } from './support/app.ts';
import { numericFixtureArtifact } from './support/fixture.ts';

let app: FastifyInstance;
before(async () => {
  app = fixtureApp({ maxBatch: 5, bodyLimit: 4096 });
  await app.ready();
});
after(() => app.close());

const GOOD = [30, 40000, 'web'];

function expectError(
  res: JsonResponse,
  status: number,
  error: RegExp,
  where: { instance?: number; feature?: string } = {},
) {
  assert.equal(res.status, status, `status for ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.error, 'string');
  assert.match(String(res.body.error), error);
  assert.equal(res.body.instance, where.instance, `instance in ${JSON.stringify(res.body)}`);
  assert.equal(res.body.feature, where.feature, `feature in ${JSON.stringify(res.body)}`);
}

describe('V1 rows', () => {
  test('missing feature in an object row', async () => {
    expectError(
      await predictV1(app, [
        { age: 30, income: 1, channel: 'web' },
        { age: 30, channel: 'web' },
      ]),
      400,
      /instance 1, feature "income": missing/,
      {
        instance: 1,
        feature: 'income',
      },
    );
  });

  test('unknown feature in an object row', async () => {
    expectError(
      await predictV1(app, [{ age: 30, income: 1, channel: 'web', height: 180 }]),
      400,
      /feature "height": unknown feature/,
      { instance: 0, feature: 'height' },
    );
  });

  test('non-numeric value, including numeric-looking strings', async () => {
    expectError(
      await predictV1(app, [GOOD, GOOD, [30, '40000', 'web']]),
      400,
      /expected a finite number, got "40000"/,
      {
        instance: 2,
        feature: 'income',
      },
    );
    expectError(await predictV1(app, [[null, 1, 'web']]), 400, /expected a finite number, got null/, {
      instance: 0,
      feature: 'age',
    });
    expectError(await predictV1(app, [[true, 1, 'web']]), 400, /"age": expected a finite number/, {
      instance: 0,
      feature: 'age',
    });
  });

  test('NaN and infinite values', async () => {
    // JSON has no NaN or Infinity literals: clients send them as strings or as overflowing numbers.
    expectError(
      await predictV1(app, [['NaN', 1, 'web']]),
      400,
      /"age": expected a finite number, got "NaN"/,
      {
        instance: 0,
        feature: 'age',
      },
    );
    const overflow = await call(
      app,
      'POST',
      '/v1/models/customers:predict',
      '{"instances":[[30, 1e999, "web"]]}',
    );
    expectError(overflow, 400, /"income": expected a finite number, got Infinity/, {
      instance: 0,
      feature: 'income',
    });
    const negative = await call(
      app,
      'POST',
      '/v1/models/customers:predict',
      '{"instances":[{"age":-1e400,"income":1,"channel":"web"}]}',
    );
    expectError(negative, 400, /got -Infinity/, { instance: 0, feature: 'age' });
    expectError(
      await predictV1(app, [{ age: 'Infinity', income: 1, channel: 'web' }]),
      400,
      /got "Infinity"/,
      {
        instance: 0,
        feature: 'age',
      },
    );
  });

  test('wrong arity', async () => {
    expectError(
      await predictV1(app, [GOOD, [30, 40000]]),
      400,
      /instance 1: expected 3 values in feature order \(age, income, channel\), got 2/,
      {
        instance: 1,
      },
    );
    expectError(await predictV1(app, [[30, 40000, 'web', 'extra']]), 400, /got 4/, { instance: 0 });
  });

  test('unknown category and a category of the wrong type', async () => {
    expectError(await predictV1(app, [[30, 40000, 'phone']]), 400, /"channel": unknown category "phone"/, {
      instance: 0,
      feature: 'channel',
    });
    expectError(await predictV1(app, [[30, 40000, 1]]), 400, /"channel": expected a category string/, {
      instance: 0,
      feature: 'channel',
    });
  });

  test('a row that is neither an array nor an object', async () => {
    expectError(await predictV1(app, [GOOD, 42]), 400, /instances\.1: must be array,object/, { instance: 1 });
    expectError(await predictV1(app, [GOOD, GOOD, null]), 400, /instances\.2/, { instance: 2 });
  });

  test('empty batch and a batch over the row limit', async () => {
    expectError(await predictV1(app, []), 400, /instances: empty batch/);
    expectError(await predictV1(app, Array(6).fill(GOOD)), 413, /6 rows exceed the batch limit of 5/);
  });
});

describe('V1 envelope', () => {
  test('instances missing or not an array', async () => {
    expectError(
      await call(app, 'POST', '/v1/models/customers:predict', {}),
      400,
      /body: must have required property 'instances'/,
    );
    expectError(await predictV1(app, { age: 30 }), 400, /body\.instances: must be array/);
    expectError(await predictV1(app, 'x'), 400, /body\.instances: must be array/);
  });

  test('unknown top-level properties are rejected, not dropped', async () => {
    expectError(
      await call(app, 'POST', '/v1/models/customers:predict', { instances: [GOOD], inputs: [] }),
      400,
      /unknown property "inputs"/,
    );
  });

  test('bodies that are not a JSON object', async () => {
    expectError(
      await call(app, 'POST', '/v1/models/customers:predict', '[1,2]'),
      400,
      /body: must be object/,
    );
    expectError(
      await call(app, 'POST', '/v1/models/customers:predict', 'null'),
      400,
      /must be object|not valid JSON/,
    );
    expectError(
      await call(app, 'POST', '/v1/models/customers:predict', '{"instances": ['),
      400,
      /not valid JSON/,
    );
    expectError(await call(app, 'POST', '/v1/models/customers:predict', ''), 400, /empty/i);
  });

  test('prototype pollution attempts are refused', async () => {
    const res = await call(
      app,
      'POST',
      '/v1/models/customers:predict',
      '{"instances":[{"__proto__":{"age":1}}]}',
    );
    expectError(res, 400, /not valid JSON|__proto__/);
    const ctor = await call(
      app,
      'POST',
      '/v1/models/customers:predict',
      '{"instances":[{"constructor":{"prototype":{"x":1}}}]}',
    );
    assert.equal(ctor.status, 400);
  });

  test('body over the limit is 413', async () => {
    const rows = Array(5).fill([30, 40000, 'w'.repeat(1000)]);
    expectError(await predictV1(app, rows), 413, /too large/i);
  });

  test('wrong or missing content type is 415', async () => {
    const body = JSON.stringify({ instances: [GOOD] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/csv', 'application/xml']) {
      const res = await call(app, 'POST', '/v1/models/customers:predict', body, { 'content-type': type });
      expectError(res, 415, /Unsupported Media Type/i);
    }
    const none = await app.inject({ method: 'POST', url: '/v1/models/customers:predict', payload: body });
    assert.equal(none.statusCode, 415);
  });

  test('application/json with a charset is fine', async () => {
    const res = await call(
      app,
      'POST',
      '/v1/models/customers:predict',
      { instances: [GOOD] },
      {
        'content-type': 'application/json; charset=utf-8',
      },
    );
    assert.equal(res.status, 200);
  });
});

describe('unknown models and routes', () => {
  test('404 for an unknown model on every model route', async () => {
    const cases: [string, string, unknown][] = [
      ['GET', '/v1/models/other', undefined],
      ['POST', '/v1/models/other:predict', { instances: [GOOD] }],
      ['GET', '/v2/models/other', undefined],
      ['GET', '/v2/models/other/ready', undefined],
      [
        'POST',
        '/v2/models/other/infer',
        { inputs: [{ name: 'input-0', shape: [1, 2], datatype: 'FP64', data: [1, 2] }] },
      ],
    ];
    for (const [method, url, body] of cases) {
      const res = await call(app, method as 'GET', url, body);
      expectError(res, 404, /model "other" not found; this predictor serves "customers"/);
    }
  });

  test('a model name as long as Kubernetes allows is looked up, not refused as too long', async () => {
    const long = 'm'.repeat(253);
    expectError(
      await call(app, 'POST', `/v1/models/${long}:predict`, { instances: [GOOD] }),
      404,
      /not found/,
    );
    expectError(await call(app, 'GET', `/v2/models/${long}`), 404, /not found/);
  });

  test('404 for an unknown verb or route, 404 for a wrong method', async () => {
    expectError(
      await call(app, 'POST', '/v1/models/customers:explain', { instances: [GOOD] }),
      404,
      /unknown model verb ":explain"/,
    );
    expectError(
      await call(app, 'POST', '/v1/models/customers', { instances: [GOOD] }),
      404,
      /unknown model verb/,
    );
    expectError(await call(app, 'GET', '/v3/models'), 404, /no route GET \/v3\/models/);
    expectError(await call(app, 'DELETE', '/v1/models/customers'), 404, /no route DELETE/);
  });
});

describe('V2 tensors', () => {
  const matrix = (n: number, data: unknown[] = Array(n * 2).fill(1)) => ({
    name: 'input-0',
    shape: [n, 2],
    datatype: 'FP64',
    data,
  });
  const channel = (data: unknown[], extra: Record<string, unknown> = {}) => ({
    name: 'channel',
    shape: [data.length],
    datatype: 'BYTES',
    data,
    ...extra,
  });

  test('a missing categorical input names the feature', async () => {
    expectError(
      await inferV2(app, { inputs: [matrix(1)] }),
      400,
      /feature "channel": missing; send it as a BYTES input named "channel"/,
      {
        feature: 'channel',
      },
    );
  });

  test('non-numeric, infinite and unknown-category values name the row and feature', async () => {
    expectError(
      await inferV2(app, { inputs: [matrix(2, [1, 2, 3, 'x']), channel(['web', 'web'])] }),
      400,
      /instance 1, feature "income": expected a finite number, got "x"/,
      {
        instance: 1,
        feature: 'income',
      },
    );
    expectError(await inferV2(app, { inputs: [matrix(1), channel(['tv'])] }), 400, /unknown category "tv"/, {
      instance: 0,
      feature: 'channel',
    });
    const inf = await call(
      app,
      'POST',
      '/v2/models/customers/infer',
      '{"inputs":[{"name":"input-0","shape":[1,2],"datatype":"FP64","data":[1e999,1]},{"name":"channel","shape":[1],"datatype":"BYTES","data":["web"]}]}',
    );
    expectError(inf, 400, /got Infinity/, { instance: 0, feature: 'age' });
  });

  test('shape and data length disagree', async () => {
    expectError(
      await inferV2(app, { inputs: [matrix(2, [1, 2, 3]), channel(['web', 'web'])] }),
      400,
      /shape \[2, 2\] needs 4 values \(flat\) or 2 rows of 2, got 3 entries/,
      {
        feature: 'input-0',
      },
    );
  });

  test('wrong matrix width, datatype or row counts', async () => {
    expectError(
      await inferV2(app, {
        inputs: [{ name: 'input-0', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }, channel(['web'])],
      }),
      400,
      /feature matrix is \[n, 2\] \(age, income\)/,
      {
        feature: 'input-0',
      },
    );
    expectError(
      await inferV2(app, {
        inputs: [matrix(1), { name: 'channel', shape: [1], datatype: 'FP64', data: [1] }],
      }),
      400,
      /feature "channel" needs BYTES, got FP64/,
      {
        feature: 'channel',
      },
    );
    expectError(
      await inferV2(app, { inputs: [matrix(2), channel(['web'])] }),
      400,
      /1 rows, but inputs\[0\] has 2/,
      {
        feature: 'channel',
      },
    );
    expectError(
      await inferV2(app, { inputs: [{ ...matrix(1), datatype: 'BOOL' }, channel(['web'])] }),
      400,
      /datatype: must be one of/,
      {
        instance: 0,
      },
    );
  });

  test('a feature given twice', async () => {
    expectError(
      await inferV2(app, {
        inputs: [matrix(1), { name: 'age', shape: [1], datatype: 'FP64', data: [1] }, channel(['web'])],
      }),
      400,
      /feature "age" is also given by inputs\[0\]/,
      { feature: 'age' },
    );
  });

  test('empty batch, too many rows, unknown outputs and unknown properties', async () => {
    expectError(await inferV2(app, { inputs: [matrix(0, []), channel([])] }), 400, /inputs: empty batch/);
    expectError(await inferV2(app, { inputs: [] }), 400, /body\.inputs: must NOT have fewer than 1 items/);
    expectError(
      await inferV2(app, { inputs: [matrix(6), channel(Array(6).fill('web'))] }),
      413,
      /6 rows exceed the batch limit of 5/,
    );
    expectError(
      await inferV2(app, { inputs: [matrix(1), channel(['web'])], outputs: [{ name: 'cluster' }] }),
      400,
      /unknown output "cluster"/,
    );
    expectError(
      await inferV2(app, { inputs: [matrix(1), channel(['web'], { extra: 1 })] }),
      400,
      /unknown property "extra"/,
      {
        instance: 1,
      },
    );
    expectError(
      await inferV2(app, { inputs: [matrix(1), channel(['web'])], instances: [] }),
      400,
      /unknown property "instances"/,
    );
  });

  test('shape entries must be non-negative integers', async () => {
    expectError(
      await inferV2(app, { inputs: [{ ...matrix(1), shape: [1.5, 2] }, channel(['web'])] }),
      400,
      /shape\.0: must be integer/,
      {
        instance: 0,
      },
    );
    expectError(
      await inferV2(app, { inputs: [{ ...matrix(1), shape: [-1, 2] }, channel(['web'])] }),
      400,
      /must be >= 0/,
      {
        instance: 0,
      },
    );
  });
});

describe('V2 inputs are matched by name', () => {
  const tensor = (name: string, n = 1) => ({
    name,
    shape: [n, 2],
    datatype: 'FP64',
    data: Array(n * 2).fill(1),
  });
  const channel = (n = 1) => ({ name: 'channel', shape: [n], datatype: 'BYTES', data: Array(n).fill('web') });

  test('the only input, under a name the model does not declare, is refused rather than taken for the matrix', async () => {
    const numericApp = buildPredictorApp({
      model: serveArtifact(numericFixtureArtifact()),
      defaultMetrics: false,
    });
    try {
      const ok = await inferV2(numericApp, { inputs: [tensor('input-0')] }, 'spend');
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      for (const name of ['features', 'input_0', 'INPUT-0']) {
        expectError(
          await inferV2(numericApp, { inputs: [tensor(name)] }, 'spend'),
          400,
          new RegExp(
            `inputs\\[0\\]: unknown input "${name}"; this model takes "input-0" \\(the numeric features age, income`,
          ),
          { feature: name },
        );
      }
    } finally {
      await numericApp.close();
    }
  });

  test('among several inputs, the undeclared one is named wherever it stands', async () => {
    expectError(
      await inferV2(app, { inputs: [tensor('input-0'), channel(), tensor('extra')] }),
      400,
      /inputs\[2\]: unknown input "extra"; this model takes "input-0" .* or one input per feature, named after it \(age, income, channel\)/,
      { feature: 'extra' },
    );
    expectError(
      await inferV2(app, { inputs: [tensor('matrix'), channel()] }),
      400,
      /inputs\[0\]: unknown input "matrix"/,
      { feature: 'matrix' },
    );
  });

  test('an undeclared name is refused before the batch size or any data is looked at', async () => {
    expectError(
      await inferV2(app, {
        inputs: [tensor('input-0', 6), channel(6), { ...tensor('x', 6), data: ['not data'] }],
      }),
      400,
      /inputs\[2\]: unknown input "x"/,
      { feature: 'x' },
    );
  });
});
