// Paged reads against a real, throwaway Postgres: every page is in order, pages neither skip
// nor repeat rows, a monitor with 10,000 reports answers a page from its index, and traffic is
// counted per persona and bucket without returning feature values.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import { Registry, RegistryError, type Page } from '../src/index.ts';
import { sampleArtifact } from './support/sample-artifact.ts';

let db: TestPostgres;
let registry: Registry;
const model = { namespace: 'shop', name: 'browse' };

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url, { max: 4 });
  await registry.migrate();
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

async function allPages<T>(read: (before: number | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await read(cursor);
    pages.push(page.items);
    if (page.next === null) return pages;
    cursor = page.next;
  }
}

describe('browse', () => {
  test('versions and alias events page newest first without gaps or repeats', async () => {
    for (let i = 1; i <= 7; i++) {
      await registry.registerVersion({ model, runId: `run-${i}`, artifact: sampleArtifact() });
    }
    await registry.setAlias(model, 'production', 2, { actor: 'operator', reason: 'gate passed' });
    await registry.recordRefusal(model, 'production', 3, {
      actor: 'operator',
      reason: 'silhouette 0.1 < 0.2',
    });
    await registry.setAlias(model, 'production', 5, { actor: 'operator', reason: 'better' });
    await registry.setAlias(model, 'production', 2, { actor: 'user:alice', reason: 'rollback' });

    const versionPages = await allPages((b) => registry.versionPage(model, { before: b, limit: 3 }));
    assert.deepEqual(
      versionPages.map((p) => p.map((v) => v.version)),
      [[7, 6, 5], [4, 3, 2], [1]],
    );
    assert.deepEqual(versionPages[1][2].aliases, ['production']);

    const eventPages = await allPages((b) => registry.aliasEventPage(model, { before: b, limit: 2 }));
    assert.deepEqual(
      eventPages.map((p) => p.map((e) => `${e.action}:${e.toVersion}`)),
      [
        ['rollback:2', 'promote:5'],
        ['refuse:3', 'promote:2'],
      ],
    );

    const ofVersions = await registry.aliasEventsOfVersions(model, [3, 5]);
    assert.deepEqual(
      ofVersions.map((e) => [e.action, e.toVersion, e.reason]),
      [
        ['promote', 5, 'better'],
        ['refuse', 3, 'silhouette 0.1 < 0.2'],
      ],
    );
  });

  test('a model with 200 versions pages 50 at a time in order, each page within 200 ms', async () => {
    const big = { namespace: 'shop', name: 'many-versions' };
    for (let i = 1; i <= 200; i++) {
      await registry.registerVersion({ model: big, runId: `big-${i}`, artifact: sampleArtifact() });
    }
    const started = performance.now();
    const pages = await allPages((b) => registry.versionPage(big, { before: b, limit: 50 }));
    const msPerPage = (performance.now() - started) / pages.length;
    console.log(`versions: ${msPerPage.toFixed(1)} ms per page of 50 of 200 versions`);
    assert.deepEqual(
      pages.map((p) => [p[0].version, p[p.length - 1].version]),
      [
        [200, 151],
        [150, 101],
        [100, 51],
        [50, 1],
      ],
    );
    assert.ok(msPerPage < 200, `a page took ${msPerPage} ms`);
  });

  test('bad page requests name the field', async () => {
    await assert.rejects(registry.versionPage(model, { limit: 0 }), (e: unknown) => {
      assert.ok(e instanceof RegistryError);
      assert.match(e.message, /limit must be an integer in \[1, 500\], got 0/);
      return true;
    });
    await assert.rejects(
      registry.driftHistoryPage('shop/m', { limit: 5, before: -1 }),
      /before must be a positive integer/,
    );
    await assert.rejects(
      registry.versionPage({ namespace: 'shop', name: 'missing' }, { limit: 5 }),
      /model shop\/missing is not in the registry/,
    );
  });

  test('a monitor with 10,000 reports pages from the index, without the stored pages', async () => {
    const monitor = 'shop/big-monitor';
    // Bulk rows through the pool: 10,000 inserts through the API would only test the API again.
    await registry.pool.query(
      `INSERT INTO drift_reports (monitor, model_id, version, created_at, drift_detected, share, columns, html)
       SELECT $1, m.id, 1, timestamptz '2025-01-01' + g * interval '1 hour', g % 7 = 0, (g % 10) / 10.0,
              jsonb_build_array(jsonb_build_object('name', 'age', 'test', 'ks', 'statistic', g / 10000.0,
                'pValue', 0.5, 'threshold', 0.05, 'drifted', g % 7 = 0)),
              repeat('x', 2000)
       FROM models m, generate_series(1, 10000) g WHERE m.namespace = $2 AND m.name = $3`,
      [monitor, model.namespace, model.name],
    );
    await registry.pool.query('ANALYZE drift_reports');
    const first = await registry.driftHistoryPage(monitor, { limit: 200 });
    assert.equal(first.items.length, 200);
    assert.equal(first.items[0].createdAt.toISOString(), '2026-02-21T16:00:00.000Z');
    assert.deepEqual(first.items[0].columns, [{ name: 'age', test: 'ks', statistic: 1, drifted: false }]);
    assert.equal(first.items[0].hasHtml, true);
    assert.ok(first.next !== null);
    const second = await registry.driftHistoryPage(monitor, { before: first.next, limit: 200 });
    assert.equal(
      second.items[0].createdAt.getTime(),
      first.items[199].createdAt.getTime() - 3600_000,
      'the second page starts right after the first',
    );

    const plan = await registry.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM drift_reports d WHERE d.monitor = $1
         AND (d.created_at, d.id) < (SELECT b.created_at, b.id FROM drift_reports b WHERE b.id = $2)
       ORDER BY d.created_at DESC, d.id DESC LIMIT 201`,
      [monitor, second.next],
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(text, /Index (Only )?Scan using drift_reports_monitor_created/);
    assert.doesNotMatch(text, /Sort/);

    const started = performance.now();
    let cursor: number | undefined = first.next ?? undefined;
    for (let i = 0; i < 10 && cursor !== undefined; i++) {
      cursor = (await registry.driftHistoryPage(monitor, { before: cursor, limit: 200 })).next ?? undefined;
    }
    const msPerPage = (performance.now() - started) / 10;
    console.log(`drift history: ${msPerPage.toFixed(1)} ms per page of 200 of 10,000 reports`);
    assert.ok(msPerPage < 200, `a page took ${msPerPage} ms`);
  });

  test('traffic counts predictions per persona and bucket, and refuses too many buckets', async () => {
    const t0 = Date.parse('2025-03-01T00:00:00Z');
    const entries = Array.from({ length: 30 }, (_, i) => ({
      ...model,
      version: 1,
      at: new Date(t0 + i * 10 * 60_000),
      features: { age: 30 + i, income: 1000 },
      persona: i % 3 === 0 ? 'Young Saver' : 'Established Spender',
    }));
    await registry.insertPredictionLog(entries);
    const buckets = await registry.personaTraffic(model, {
      since: new Date(t0),
      until: new Date(t0 + 5 * 3600_000),
      bucketSeconds: 3600,
    });
    assert.deepEqual(
      buckets.map((b) => [b.start.toISOString().slice(11, 16), b.persona, b.count]),
      [
        ['00:00', 'Established Spender', 4],
        ['00:00', 'Young Saver', 2],
        ['01:00', 'Established Spender', 4],
        ['01:00', 'Young Saver', 2],
        ['02:00', 'Established Spender', 4],
        ['02:00', 'Young Saver', 2],
        ['03:00', 'Established Spender', 4],
        ['03:00', 'Young Saver', 2],
        ['04:00', 'Established Spender', 4],
        ['04:00', 'Young Saver', 2],
      ],
    );
    assert.ok(buckets.every((b) => !('features' in b)));
    await assert.rejects(
      registry.personaTraffic(model, {
        since: new Date(t0),
        until: new Date(t0 + 86400_000),
        bucketSeconds: 60,
      }),
      /more than 1000 buckets/,
    );
  });
});
