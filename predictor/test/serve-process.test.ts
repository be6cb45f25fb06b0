// `persona serve` as the cluster runs it: a real child process loading from a real registry.
// The SIGTERM sequence is checked end to end: readiness turns false, an in-flight request
// finishes, the prediction log is flushed, and the process exits 0. A version that cannot be
// loaded ends the process non-zero with a log line saying why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { freePort } from '../../test/support/postgres.ts';
import { REF, useFixtureRegistry } from './support/registry.ts';
import { startServe } from './support/child.ts';

const fixture = useFixtureRegistry();

const listeningUrl = (msg: string) => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(msg)?.[1];

/** Sends a request whose body arrives in two parts, so it is in flight until `finish` is called. */
function slowRequest(base: string, path: string, body: string) {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let response = '';
  socket.on('data', (d) => (response += d.toString()));
  const done = new Promise<string>((resolve, reject) => {
    socket.on('end', () => resolve(response));
    socket.on('close', () => resolve(response));
    socket.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
  );
  return {
    finish: () => {
      socket.write(body.slice(half));
      return done;
    },
  };
}

describe('persona serve', () => {
  test('SIGTERM: readiness false, in-flight request finishes, log flushed, exit 0', async () => {
    const since = new Date(Date.now() - 1000);
    const proc = startServe(
      [
        '--registry',
        fixture.db.url,
        '--model',
        'shop/customers',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--log-predictions',
        '--log-flush-interval',
        '10m',
        '--drain-delay',
        '3s',
      ],
      { MODEL_VERSION: '1' },
    );
    try {
      const listening = await proc.waitFor((l) => listeningUrl(l.msg) !== undefined, 'the listening address');
      const base = listeningUrl(listening.msg) as string;
      // The version comes from MODEL_VERSION, as in the operator's pod template.
      await proc.waitFor((l) => l.msg === 'model loaded; ready', 'readiness');
      assert.equal((await fetch(`${base}/v2/health/ready`)).status, 200);

      const first = await fetch(`${base}/v1/models/customers:predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          instances: [
            [29, 39000, 'web'],
            [57, 72000, 'store'],
          ],
        }),
      });
      assert.equal(first.status, 200);

      const inflight = slowRequest(
        base,
        '/v1/models/customers:predict',
        JSON.stringify({ instances: [{ age: 46, income: 115000, channel: 'web' }] }),
      );
      // Let the server read the headers, so the request is in flight before the signal.
      await new Promise((r) => setTimeout(r, 200));
      proc.child.kill('SIGTERM');

      await proc.waitFor((l) => l.msg === 'shutdown: readiness is now false', 'readiness turning false');
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'shutting down' });
      assert.equal((await fetch(`${base}/v2/health/ready`)).status, 503);

      await proc.waitFor(
        (l) => l.msg === 'shutdown: closing the server; waiting for in-flight requests',
        'closing',
      );
      const response = await inflight.finish();
      assert.match(response, /^HTTP\/1\.1 200 /);
      assert.match(response, /"persona":"Affluent Web"/);

      assert.equal(await proc.exited, 0, proc.stderr());
      const msgs = proc.lines.map((l) => l.msg);
      const order = [
        'shutdown requested',
        'shutdown: readiness is now false',
        'shutdown: closing the server; waiting for in-flight requests',
        'prediction log flushed',
        'shutdown: complete',
        'stopped',
      ];
      const positions = order.map((m) => msgs.indexOf(m));
      assert.ok(
        positions.every((p) => p >= 0),
        `missing log lines: ${JSON.stringify(msgs)}`,
      );
      assert.deepEqual(
        [...positions].sort((a, b) => a - b),
        positions,
        `out of order: ${JSON.stringify(msgs)}`,
      );
      assert.equal(proc.lines.find((l) => l.msg === 'prediction log flushed')?.flushed, 3);

      const logged = await fixture.registry.readPredictionLog(REF, { since });
      assert.deepEqual(
        logged.map((r) => r.persona),
        ['Young Web', 'Older Store', 'Affluent Web'],
      );
      assert.ok(!JSON.stringify(proc.lines).includes(fixture.db.url), 'the registry URL is never logged');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  test('a version that is not in the registry: exit 2 with a clear log line', async () => {
    const proc = startServe(['--model', 'shop/customers', '--port', '0', '--host', '127.0.0.1'], {
      PERSONA_REGISTRY_URL: fixture.db.url,
      MODEL_VERSION: '7',
    });
    assert.equal(await proc.exited, 2, proc.stderr());
    const line = proc.lines.find((l) => l.level >= 50);
    assert.ok(line, JSON.stringify(proc.lines));
    assert.equal(line.msg, 'cannot load the model; exiting so the rollout stalls instead of serving nothing');
    assert.match(String(line.err), /model shop\/customers version 7 is not in the registry/);
  });

  test('an unreachable registry: exit 1 (transient), the URL and password not logged', async () => {
    const port = await freePort();
    const url = `postgres://predictor:s3cret-pw@127.0.0.1:${port}/registry`;
    const proc = startServe([
      '--registry',
      url,
      '--model',
      'shop/customers',
      '--version',
      '1',
      '--port',
      '0',
    ]);
    assert.equal(await proc.exited, 1, proc.stderr());
    const all = JSON.stringify(proc.lines) + proc.stderr();
    assert.match(all, /cannot connect to the registry/);
    assert.doesNotMatch(all, /s3cret-pw/);
  });

  test('bad arguments: exit 2 naming the flag', async () => {
    const proc = startServe(['--model-file', 'm.json', '--max-batch', '0']);
    assert.equal(await proc.exited, 2, proc.stderr());
    assert.match(proc.stderr(), /--max-batch: expected an integer >= 1, got "0"/);
  });
});
