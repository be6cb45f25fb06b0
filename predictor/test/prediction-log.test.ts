// The prediction log queue on its own: bounded, batched, never blocking, never throwing,
// flushed on close. (Its registry end is tested against real Postgres in registry.test.ts.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PredictionLogEntry } from '@persona-operator/registry';
import { PredictionLog } from '../src/prediction-log.ts';

const MODEL = { namespace: 'shop', name: 'customers', version: 3 };
const FEATURES = ['age', 'income', 'channel'];
const pred = (persona: string) => ({ persona, personaId: 0, distance: 0, confidence: 1 });

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  return { promise, release };
}

describe('PredictionLog', () => {
  test('writes full batches and converts array rows to feature records', async () => {
    const batches: PredictionLogEntry[][] = [];
    const log = new PredictionLog({
      sink: async (e) => void batches.push(e),
      model: MODEL,
      featureNames: FEATURES,
      batchSize: 2,
      flushIntervalMs: 60_000,
    });
    log.record(
      [[30, 40000, 'web'], { age: 50, income: 1, channel: 'store' }, [31, 2, 'web']],
      [pred('A'), pred('B'), pred('A')],
    );
    await log.close();
    assert.deepEqual(
      batches.map((b) => b.length),
      [2, 1],
    );
    const [first] = batches[0];
    assert.deepEqual(
      { ...first, at: undefined },
      { ...MODEL, at: undefined, features: { age: 30, income: 40000, channel: 'web' }, persona: 'A' },
    );
    assert.ok(first.at instanceof Date);
    assert.deepEqual(batches[0][1].features, { age: 50, income: 1, channel: 'store' });
  });

  test('a partial batch is written after the flush interval', async () => {
    const written = deferred();
    const log = new PredictionLog({
      sink: async () => written.release(),
      model: MODEL,
      featureNames: FEATURES,
      batchSize: 100,
      flushIntervalMs: 10,
    });
    // The flush timer is unref'd (it must not keep a stopping server alive); hold the loop open here.
    const keepAlive = setInterval(() => undefined, 1000);
    log.record([[1, 2, 'web']], [pred('A')]);
    await written.promise;
    clearInterval(keepAlive);
    assert.equal(log.pending, 0);
    await log.close();
  });

  test('when the queue is full, entries are dropped and counted; record never waits', async () => {
    const gate = deferred();
    const dropped: [number, string][] = [];
    let inserted = 0;
    const log = new PredictionLog({
      sink: async (e) => {
        await gate.promise; // the registry is stuck
        inserted += e.length;
      },
      model: MODEL,
      featureNames: FEATURES,
      maxQueue: 5,
      batchSize: 2,
      onDropped: (n, reason) => dropped.push([n, reason]),
    });
    // The first 2 rows go to the stuck insert; the queue then holds 5 more; the rest are dropped.
    for (let i = 0; i < 10; i++) log.record([[i, i, 'web']], [pred('A')]);
    assert.equal(log.pending, 5);
    assert.equal(
      dropped.reduce((s, [n]) => s + n, 0),
      3,
    );
    assert.ok(dropped.every(([, reason]) => reason === 'queue_full'));
    gate.release();
    await log.close();
    assert.equal(inserted, 7);
  });

  test('a failing insert is counted as dropped and never thrown', async () => {
    const dropped: [number, string, unknown][] = [];
    let calls = 0;
    const log = new PredictionLog({
      sink: async () => {
        calls++;
        throw new Error('registry down');
      },
      model: MODEL,
      featureNames: FEATURES,
      batchSize: 2,
      onDropped: (n, reason, err) => dropped.push([n, reason, err]),
    });
    log.record(
      [
        [1, 2, 'web'],
        [1, 2, 'web'],
        [1, 2, 'web'],
      ],
      [pred('A'), pred('A'), pred('A')],
    );
    await log.close();
    assert.equal(calls, 2);
    assert.deepEqual(
      dropped.map(([n, reason]) => [n, reason]),
      [
        [2, 'insert_failed'],
        [1, 'insert_failed'],
      ],
    );
    assert.match(String(dropped[0][2]), /registry down/);
  });

  test('after close, new entries are dropped instead of queued', async () => {
    const dropped: number[] = [];
    const log = new PredictionLog({
      sink: async () => undefined,
      model: MODEL,
      featureNames: FEATURES,
      onDropped: (n) => dropped.push(n),
    });
    await log.close();
    log.record([[1, 2, 'web']], [pred('A')]);
    assert.equal(log.pending, 0);
    assert.deepEqual(dropped, [1]);
  });
});
