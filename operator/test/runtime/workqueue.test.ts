import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_MS, WorkQueue, type WorkQueueMetrics } from '../../src/runtime/workqueue.ts';
import { ManualClock } from '../../src/runtime/clock.ts';
import { Backoff, backoffDelay } from '../../src/runtime/backoff.ts';

describe('WorkQueue', () => {
  test('a key added many times is handed out once', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.len(), 0);
  });

  test('a key re-added while processing is queued again only after done', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    q.add('a');
    const key = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.len(), 0, 'not handed to a second worker while in flight');
    q.done(key!);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'a');
  });

  test('a waiting worker receives a key added later', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    const pending = q.get();
    q.add('x');
    assert.equal(await pending, 'x');
  });

  test('failures back off exponentially per key and forget resets', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 100, maxDelayMs: 1000 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      let step = 0;
      while (q.len() === 0) {
        clock.advance(10);
        step += 10;
        assert.ok(step <= 2000, 'key came back');
      }
      delays.push(clock.now() - start);
      const k = await q.get();
      q.done(k!);
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1000]);
    assert.equal(q.numRequeues('k'), 5);
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
  });

  test('addAfter keeps the earliest request for a key', () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('k', 500);
    q.addAfter('k', 100);
    q.addAfter('k', 800);
    clock.advance(100);
    assert.equal(q.len(), 1);
    clock.advance(1000);
    assert.equal(q.len(), 1, 'the later requests were folded into the first');
  });

  test('addAfter beyond the longest Node timer waits the whole delay (a yearly schedule)', () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock });
    const yearMs = 365 * 24 * 3600 * 1000;
    q.addAfter('k', yearMs);
    clock.advance(MAX_TIMER_MS);
    assert.equal(q.len(), 0, 'not due after the first timer step');
    clock.advance(yearMs - MAX_TIMER_MS - 1);
    assert.equal(q.len(), 0, 'not due one millisecond early');
    clock.advance(1);
    assert.equal(q.len(), 1);
  });

  test('the shared bucket spaces out retries of many keys once the burst is spent', () => {
    const clock = new ManualClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 1, qps: 10, burst: 2 });
    for (const k of ['a', 'b', 'c', 'd']) q.addRateLimited(k);
    clock.advance(1);
    assert.equal(q.len(), 2, 'burst of two goes at once');
    clock.advance(100);
    assert.equal(q.len(), 3);
    clock.advance(100);
    assert.equal(q.len(), 4);
  });

  test('shutDown releases waiting workers and ignores new keys', async () => {
    const q = new WorkQueue<string>({ clock: new ManualClock() });
    const pending = q.get();
    q.shutDown();
    assert.equal(await pending, undefined);
    q.add('late');
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });

  test('depth is reported as it changes', async () => {
    const depths: number[] = [];
    const ignore = () => undefined;
    const metrics: WorkQueueMetrics = {
      depth: (d) => depths.push(d),
      added: ignore,
      waited: ignore,
      worked: ignore,
      retried: ignore,
    };
    const q = new WorkQueue<string>({ clock: new ManualClock(), metrics });
    q.add('a');
    q.add('b');
    await q.get();
    assert.deepEqual(depths, [1, 2, 1]);
  });
});

describe('backoff', () => {
  test('doubles from the base and caps at the maximum', () => {
    const opts = { baseMs: 10, maxMs: 50 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts)),
      [10, 20, 40, 50, 50],
    );
  });

  test('jitter adds at most the given fraction and never passes the cap', () => {
    assert.equal(
      backoffDelay(1, { baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 1),
      150,
    );
    assert.equal(
      backoffDelay(4, { baseMs: 100, maxMs: 1000, jitter: 0.5 }, () => 1),
      1000,
    );
  });

  test('Backoff counts failures until reset', () => {
    const b = new Backoff({ baseMs: 1, maxMs: 100 });
    assert.deepEqual([b.next(), b.next(), b.next()], [1, 2, 4]);
    assert.equal(b.failures, 3);
    b.reset();
    assert.equal(b.next(), 1);
  });
});

describe('WorkQueue metrics', () => {
  function recorder() {
    const seen = {
      depth: [] as number[],
      adds: 0,
      waited: [] as number[],
      worked: [] as number[],
      retries: 0,
    };
    const metrics: WorkQueueMetrics = {
      depth: (n) => seen.depth.push(n),
      added: () => seen.adds++,
      waited: (s) => seen.waited.push(s),
      worked: (s) => seen.worked.push(s),
      retried: () => seen.retries++,
    };
    return { seen, metrics };
  }

  test('adds count once per waiting key; queue and work durations run add -> get -> done', async () => {
    const clock = new ManualClock();
    const { seen, metrics } = recorder();
    const q = new WorkQueue<string>({ clock, metrics });
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(seen.adds, 2, 'a duplicate add is not counted');
    assert.deepEqual(seen.depth.slice(-1), [2]);
    clock.advance(250);
    const key = await q.get();
    assert.deepEqual(seen.waited, [0.25]);
    assert.deepEqual(seen.depth.slice(-1), [1]);
    clock.advance(40);
    q.done(key!);
    assert.deepEqual(seen.worked, [0.04]);
  });

  test('a key re-added while in flight counts in depth, and waits from its re-add', async () => {
    const clock = new ManualClock();
    const { seen, metrics } = recorder();
    const q = new WorkQueue<string>({ clock, metrics });
    q.add('a');
    const key = await q.get();
    assert.deepEqual(seen.depth.slice(-1), [0]);
    clock.advance(100);
    q.add('a');
    assert.equal(seen.adds, 2);
    assert.deepEqual(seen.depth.slice(-1), [1], 'waiting behind its own reconcile');
    clock.advance(30);
    q.done(key!);
    assert.equal(seen.adds, 2, 'handing it out again is not another add');
    clock.advance(20);
    await q.get();
    assert.deepEqual(seen.waited, [0, 0.05]);
    assert.deepEqual(seen.worked, [0.13]);
  });

  test('a rate-limited add counts a retry', () => {
    const { seen, metrics } = recorder();
    const q = new WorkQueue<string>({ clock: new ManualClock(), metrics });
    q.addRateLimited('a');
    q.addRateLimited('a');
    assert.equal(seen.retries, 2);
  });
});
