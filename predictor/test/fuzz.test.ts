// Fuzz: thousands of random and malformed requests (seeded, so a failure reproduces) against
// every route. Whatever arrives, the answer is a 2xx or a 4xx with a JSON error, and the
// process stays healthy afterwards.
import { test } from 'node:test';
import { connect } from 'node:net';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { fixtureApp } from './support/app.ts';
import { mulberry32 } from './support/random.ts';

const SEED = 20250101;
const REQUESTS = 4000;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, n: number) => Math.floor(r() * n);

const WEIRD_STRINGS = [
  '',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  'web',
  'store',
  '__proto__',
  'constructor',
  '\u0000',
  '💥',
  'a'.repeat(300),
];
const WEIRD_NUMBERS = [0, -0, 1, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 30, 40000, 0.1];
const KEYS = [
  'age',
  'income',
  'channel',
  'height',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '',
  'instances',
  'inputs',
];

function randomValue(r: Rand, depth: number): unknown {
  switch (int(r, depth > 3 ? 4 : 7)) {
    case 0:
      return pick(r, WEIRD_NUMBERS);
    case 1:
      return pick(r, WEIRD_STRINGS);
    case 2:
      return pick(r, [null, true, false]);
    case 3:
      return r() * 1e6 - 5e5;
    case 4:
      return Array.from({ length: int(r, 5) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(r, 5); i > 0; i--) o[pick(r, KEYS)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

function randomRow(r: Rand): unknown {
  const good: unknown[] = [30 + int(r, 40), 20000 + int(r, 100000), pick(r, ['web', 'store'])];
  switch (int(r, 6)) {
    case 0:
      return good;
    case 1:
      return { age: good[0], income: good[1], channel: good[2] };
    case 2: {
      const row = [...good];
      row[int(r, 3)] = randomValue(r, 2);
      return row;
    }
    case 3: {
      const row: Record<string, unknown> = { age: good[0], income: good[1], channel: good[2] };
      if (r() < 0.5) delete row[pick(r, ['age', 'income', 'channel'])];
      row[pick(r, KEYS)] = randomValue(r, 2);
      return row;
    }
    case 4:
      return good.slice(0, int(r, 5));
    default:
      return randomValue(r, 1);
  }
}

function randomTensor(r: Rand): unknown {
  const n = int(r, 4);
  const t: Record<string, unknown> = {
    name: pick(r, ['input-0', 'channel', 'age', 'income', 'x', '']),
    shape: r() < 0.8 ? [n, int(r, 4)] : randomValue(r, 2),
    datatype: pick(r, ['FP64', 'FP32', 'INT64', 'BYTES', 'BOOL', 'fp64', 42]),
    data: Array.from({ length: int(r, 9) }, () => (r() < 0.7 ? r() * 100 : randomValue(r, 2))),
  };
  if (r() < 0.2) delete t[pick(r, ['name', 'shape', 'datatype', 'data'])];
  if (r() < 0.1) t[pick(r, KEYS)] = randomValue(r, 2);
  return t;
}

function randomBody(r: Rand): string {
  switch (int(r, 9)) {
    case 8:
      // Valid rows of random size: the success path is fuzzed too.
      return JSON.stringify({
        instances: Array.from({ length: 1 + int(r, 6) }, () =>
          r() < 0.5 ? [r() * 100, r() * 2e5, 'store'] : { channel: 'web', income: -r() * 1e9, age: r() },
        ),
      });
    case 0:
      return JSON.stringify({ instances: Array.from({ length: int(r, 8) }, () => randomRow(r)) });
    case 1:
      return JSON.stringify({
        inputs: Array.from({ length: int(r, 4) }, () => randomTensor(r)),
        outputs: r() < 0.2 ? [{ name: pick(r, ['persona', 'x']) }] : undefined,
      });
    case 2:
      return JSON.stringify(randomValue(r, 0));
    case 3: {
      // A valid body, truncated or with a byte flipped.
      const s = JSON.stringify({ instances: [[30, 40000, 'web']] });
      if (r() < 0.5) return s.slice(0, int(r, s.length));
      const i = int(r, s.length);
      return s.slice(0, i) + String.fromCharCode(int(r, 128)) + s.slice(i + 1);
    }
    case 4:
      // Deep nesting.
      return '['.repeat(1 + int(r, 5000)) + ']'.repeat(int(r, 5000));
    case 5:
      return Array.from({ length: int(r, 64) }, () => String.fromCharCode(int(r, 0xffff))).join('');
    case 6:
      return JSON.stringify({
        instances: Array.from({ length: 1 + int(r, 8) }, () => [30, 40000, 'web']),
        [pick(r, KEYS)]: randomValue(r, 2),
      });
    default:
      return `{"instances":[[${pick(r, ['1e999', '-1e999', 'NaN', 'Infinity', '0x10', '01', '1.', '.5', '"30"'])}, 1, "web"]]}`;
  }
}

const URLS = [
  '/v1/models/customers:predict',
  '/v2/models/customers/infer',
  '/v1/models/other:predict',
  '/v1/models/customers',
  '/v2/models/customers',
  '/v2/models/%E0%A4%A:predict',
  '/v1/models/:predict',
  '/v1/models/customers:predict?x=1&x=2',
  '/v2/models/customers/ready',
  '/metrics',
  '/v1/models/' + 'a'.repeat(2000) + ':predict',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
];

async function send(app: FastifyInstance, r: Rand) {
  const method = r() < 0.85 ? 'POST' : pick(r, ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const);
  const url = r() < 0.7 ? pick(r, URLS.slice(0, 2)) : pick(r, URLS);
  const contentType = r() < 0.85 ? 'application/json' : pick(r, CONTENT_TYPES);
  const payload = randomBody(r);
  const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
  const res = await app.inject({
    method,
    url,
    payload: method === 'GET' || method === 'HEAD' ? undefined : payload,
    headers,
  });
  return { res, method, url, contentType, payload };
}

test(`${REQUESTS} random and malformed requests: no 5xx, JSON errors, still healthy`, async () => {
  const app = fixtureApp({ maxBatch: 6, bodyLimit: 16 * 1024 });
  await app.ready();
  try {
    const r = mulberry32(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const { res, method, url, contentType, payload } = await send(app, r);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const context = `request ${i}: ${method} ${url.slice(0, 80)} [${contentType}] ${payload.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
      assert.ok(res.statusCode < 500, context);
      if (res.statusCode >= 400 && method !== 'HEAD') {
        const body = JSON.parse(res.body) as { error?: unknown };
        assert.equal(typeof body.error, 'string', context);
      }
    }
    // The generator must actually reach both outcomes, or it is not testing much.
    assert.ok(
      (statuses.get(200) ?? 0) > 100,
      `too few successful requests: ${JSON.stringify([...statuses])}`,
    );
    assert.ok((statuses.get(400) ?? 0) > 1000, `too few rejected requests: ${JSON.stringify([...statuses])}`);
    assert.ok((statuses.get(415) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0);

    const health = await app.inject({ url: '/healthz' });
    assert.equal(health.statusCode, 200);
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    const ok = await app.inject({
      method: 'POST',
      url: '/v1/models/customers:predict',
      payload: { instances: [[30, 40000, 'web']] },
    });
    assert.equal(ok.statusCode, 200);
    assert.equal(
      (JSON.parse(ok.body) as { predictions: { persona: string }[] }).predictions[0].persona,
      'Young Web',
    );
  } finally {
    await app.close();
  }
});

/** Writes raw bytes on a fresh connection and resolves with whatever comes back before close. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.end(bytes);
  });
}

test('random bodies and broken HTTP over a real socket: no 5xx, the server keeps serving', async () => {
  const app = fixtureApp({ maxBatch: 6, bodyLimit: 16 * 1024 });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const port = Number(new URL(base).port);
  try {
    const r = mulberry32(SEED + 1);
    for (let i = 0; i < 300; i++) {
      const url = pick(r, URLS.slice(0, 3));
      const payload = randomBody(r);
      const res = await fetch(`${base}${url}`, {
        method: 'POST',
        headers: { 'content-type': pick(r, ['application/json', 'application/json', 'text/plain']) },
        body: payload,
      });
      const text = await res.text();
      assert.ok(res.status < 500, `${url} ${payload.slice(0, 200)} -> ${res.status} ${text.slice(0, 200)}`);
    }
    const broken = [
      'GARBAGE\r\n\r\n',
      'POST /v1/models/customers:predict HTTP/1.1\r\nContent-Length: -5\r\n\r\n',
      'POST /v1/models/customers:predict HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'POST /v1/models/customers:predict HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"instances":',
      `GET /${'x'.repeat(70_000)} HTTP/1.1\r\n\r\n`,
      'POST /v1/models/customers:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}',
    ];
    for (const bytes of broken) {
      const answer = await raw(port, bytes);
      assert.doesNotMatch(answer, /^HTTP\/1\.1 5\d\d/, `${bytes.slice(0, 80)} -> ${answer.slice(0, 200)}`);
    }
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ok = await fetch(`${base}/v1/models/customers:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [[30, 40000, 'web']] }),
    });
    assert.equal(ok.status, 200);
  } finally {
    await app.close();
  }
});
