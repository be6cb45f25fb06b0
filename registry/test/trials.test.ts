// Trials of an Indexed training Job against a real, throwaway Postgres: stored exactly as fitted,
// never twice, counted under a lock so exactly one of several indices finishing at once sees the
// whole grid, and refused when malformed (storing nothing).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { Registry, RegistryError, RegistryNotFoundError, type Trial } from '../src/index.ts';

let db: TestPostgres;
let registry: Registry;

const model = { namespace: 'shop', name: 'trials' };

function trial(k: number, restart: number, index: number, d = 2): Trial {
  // Values that survive a round trip only if nothing is rounded on the way.
  const centroids = Float64Array.from({ length: k * d }, (_, i) => (i + 1) / 3 + restart * 0.1 + 1e-17 * i);
  return {
    k,
    restart,
    index,
    inertia: 0.1 + 0.2 + k / 7,
    iterations: 3 + restart,
    relocations: 0,
    centroids,
    dataHash: 'abc123',
  };
}

async function trialCount(): Promise<number> {
  const res = await registry.pool.query<{ n: string }>('SELECT count(*) AS n FROM training_trials');
  return Number(res.rows[0].n);
}

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url, { max: 4 });
  await registry.migrate();
  for (const runId of ['run-a', 'run-b', 'run-c', 'run-d']) await registry.startTrainingRun(model, runId, {});
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

describe('training trials', () => {
  test('trials read back bit for bit, ordered by k then restart, per run', async () => {
    const fits = [trial(3, 1, 0), trial(2, 0, 1), trial(3, 0, 2), trial(2, 1, 0)];
    fits[0].centroids[0] = Number.MIN_VALUE;
    fits[0].centroids[1] = -0.30000000000000004;
    const result = await registry.recordTrials(model, 'run-a', fits);
    assert.deepEqual(result, { added: 4, total: 4 });
    const back = await registry.listTrials(model, 'run-a');
    assert.deepEqual(
      back.map((t) => [t.k, t.restart, t.index]),
      [
        [2, 0, 1],
        [2, 1, 0],
        [3, 0, 2],
        [3, 1, 0],
      ],
    );
    for (const t of back) {
      const sent = fits.find((f) => f.k === t.k && f.restart === t.restart)!;
      assert.deepEqual(t, sent);
      assert.ok(t.centroids instanceof Float64Array);
    }
    assert.deepEqual(await registry.listTrials(model, 'run-b'), []);
    assert.deepEqual(await registry.listTrials(model, 'no-such-run'), []);
  });

  test('a retried index adds no trial twice and the first values are kept', async () => {
    const first = [trial(2, 0, 0), trial(2, 1, 0)];
    assert.deepEqual(await registry.recordTrials(model, 'run-b', first), { added: 2, total: 2 });
    const retried = [{ ...trial(2, 0, 0), inertia: 99 }, trial(2, 1, 0), trial(4, 0, 0)];
    assert.deepEqual(await registry.recordTrials(model, 'run-b', retried), { added: 1, total: 3 });
    const back = await registry.listTrials(model, 'run-b');
    assert.equal(back.length, 3);
    assert.equal(back.find((t) => t.k === 2 && t.restart === 0)?.inertia, first[0].inertia);
  });

  test('of indices finishing at once, exactly one sees the whole grid', async () => {
    // A 3 x 4 grid split over 4 indices, each on its own connection pool, recorded at once.
    const grid = 12;
    const shares = [0, 1, 2, 3].map((index) =>
      [2, 3, 4].flatMap((k) => [0, 1, 2, 3].filter((r) => r === index).map((r) => trial(k, r, index))),
    );
    const pools = await Promise.all(shares.map(() => Registry.connect(db.url, { max: 1 })));
    try {
      const results = await Promise.all(shares.map((s, i) => pools[i].recordTrials(model, 'run-c', s)));
      assert.ok(results.every((r) => r.added === 3));
      assert.deepEqual(
        results.map((r) => r.total).sort((a, b) => a - b),
        [3, 6, 9, 12],
        'each index counts after the ones that committed before it',
      );
      assert.equal(results.filter((r) => r.total === grid).length, 1);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });

  test('a malformed trial is refused naming the field, and none of its batch is stored', async () => {
    const before = await trialCount();
    const bad = { ...trial(3, 0, 1), centroids: Float64Array.from([1, 2, 3, 4]) };
    await assert.rejects(
      registry.recordTrials(model, 'run-d', [trial(2, 0, 1), bad]),
      (err: unknown) =>
        err instanceof RegistryError && /^trials\[1\]\.centroids: expected k \(3\) rows/.test(err.message),
    );
    const nan = trial(2, 1, 1);
    nan.centroids[2] = Number.NaN;
    await assert.rejects(
      registry.recordTrials(model, 'run-d', [nan]),
      (err: unknown) =>
        err instanceof RegistryError && /^trials\[0\]\.centroids\[2\]: expected a finite/.test(err.message),
    );
    await assert.rejects(
      registry.recordTrials(model, 'run-d', [{ ...trial(2, 0, 0), restart: -1 }]),
      (err: unknown) => err instanceof RegistryError && /^trials\[0\]\.restart/.test(err.message),
    );
    assert.equal(await trialCount(), before);
  });

  test('a run that was never started: not found, nothing stored', async () => {
    const before = await trialCount();
    await assert.rejects(
      registry.recordTrials(model, 'never-started', [trial(2, 0, 0)]),
      (err: unknown) =>
        err instanceof RegistryNotFoundError &&
        /shop\/trials has no training run never-started/.test(err.message),
    );
    assert.equal(await trialCount(), before);
  });

  test('an index joining a run keeps the failure another index recorded, and counts its attempt', async () => {
    const first = await registry.joinTrainingRun(model, 'run-e', { parallelism: 3 });
    assert.equal(first.status, 'running');
    assert.equal(first.attempts, 1);
    await registry.failTrainingRun(model, 'run-e', 'bad-input: column "income" is not in the query result');
    const later = await registry.joinTrainingRun(model, 'run-e', { parallelism: 3 });
    assert.equal(later.status, 'failed');
    assert.equal(later.error, 'bad-input: column "income" is not in the query result');
    assert.equal(later.attempts, 2);
    // The single-pod start of a retry, by contrast, clears it.
    assert.equal((await registry.startTrainingRun(model, 'run-e', {})).status, 'running');
  });
});
