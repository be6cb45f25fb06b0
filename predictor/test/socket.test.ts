// The same routes over a real TCP socket on loopback: HTTP framing, keep-alive, body limits
// enforced while streaming, and content types as a real client sends them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { fixtureApp } from './support/app.ts';
import { KNOWN_ROWS } from './support/fixture.ts';

let app: FastifyInstance;
let base: string;

before(async () => {
  app = fixtureApp({ bodyLimit: 64 * 1024 });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => app.close());

async function post(path: string, body: string, contentType = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('over a socket', () => {
  test('V1 predict, V2 infer and the probes', async () => {
    const v1 = await post(
      '/v1/models/customers:predict',
      JSON.stringify({ instances: KNOWN_ROWS.map((k) => k.row) }),
    );
    assert.equal(v1.status, 200);
    assert.match(String(v1.headers.get('content-type')), /^application\/json/);
    assert.deepEqual(
      (v1.body.predictions as { persona: string }[]).map((p) => p.persona),
      KNOWN_ROWS.map((k) => k.persona),
    );
    const v2 = await post(
      '/v2/models/customers/infer',
      JSON.stringify({
        inputs: [
          { name: 'input-0', shape: [1, 2], datatype: 'FP64', data: [57, 72000] },
          { name: 'channel', shape: [1], datatype: 'BYTES', data: ['store'] },
        ],
      }),
    );
    assert.equal(v2.status, 200);
    assert.deepEqual((v2.body.outputs as { data: unknown[] }[])[0].data, ['Older Store']);
    for (const path of [
      '/healthz',
      '/readyz',
      '/v2/health/live',
      '/v2/health/ready',
      '/v1/models',
      '/v2/models/customers',
    ]) {
      assert.equal((await fetch(`${base}${path}`)).status, 200, path);
    }
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /persona_predictor_predictions_total\{persona="Older Store"\} [1-9]/);
  });

  test('bad rows, unknown models and wrong content types', async () => {
    const bad = await post(
      '/v1/models/customers:predict',
      '{"instances":[[30, 40000, "web"], [30, "x", "web"]]}',
    );
    assert.equal(bad.status, 400);
    assert.deepEqual([bad.body.instance, bad.body.feature], [1, 'income']);
    assert.equal((await post('/v1/models/nobody:predict', '{"instances":[[1,2,"web"]]}')).status, 404);
    assert.equal((await post('/v1/models/customers:predict', 'age,income\n1,2', 'text/csv')).status, 415);
  });

  test('a body over the limit is refused with 413 while it streams in', async () => {
    const big = JSON.stringify({ instances: Array(5000).fill([30, 40000, 'web']) });
    assert.ok(big.length > 64 * 1024);
    const res = await post('/v1/models/customers:predict', big);
    assert.equal(res.status, 413);
    assert.match(String(res.body.error), /too large/i);
  });

  test('a lying content-length is a 400, not a hang or a 500', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/v1/models/customers:predict`);
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': '5' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{"instances":[[30,40000,"web"]]}');
    });
    assert.ok(status >= 400 && status < 500, `status ${status}`);
  });

  test('many requests on one keep-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ instances: [KNOWN_ROWS[0].row] });
      const sockets = new Set<unknown>();
      for (let i = 0; i < 50; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const url = new URL(`${base}/v1/models/customers:predict`);
          const req = httpRequest(
            {
              agent,
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              sockets.add(res.socket);
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        assert.equal(status, 200);
      }
      assert.equal(sockets.size, 1, 'the connection is reused');
    } finally {
      agent.destroy();
    }
  });
});
