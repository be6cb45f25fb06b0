// Drift reports keyed by the drift Job's run id, against a real, throwaway Postgres: the
// operator finds a Job's report by (monitor, run id) and a retried Job never stores twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.ts';
import type { DriftDetails } from '@persona-operator/core/drift/index';
import { Registry, type DriftReportInput } from '../src/index.ts';

let db: TestPostgres;
let registry: Registry;

before(async () => {
  db = await startPostgres();
  registry = await Registry.connect(db.url);
  await registry.migrate();
  await registry.ensureModel({ namespace: 'shop', name: 'customers' });
});

after(async () => {
  await registry?.close();
  await db?.stop();
});

const input = (overrides: Partial<DriftReportInput> = {}): DriftReportInput => ({
  monitor: 'shop/customers-drift',
  model: { namespace: 'shop', name: 'customers', version: 1 },
  driftDetected: true,
  share: 0.5,
  columns: [{ name: 'age', test: 'ks', statistic: 0.4, pValue: 0.001, threshold: 0.05, drifted: true }],
  html: '<p>report</p>',
  ...overrides,
});

describe('drift reports by run id', () => {
  test('a report stored with a run id is found by (monitor, run id)', async () => {
    const stored = await registry.insertDriftReport(input({ runId: 'job-a' }));
    assert.equal(stored.runId, 'job-a');
    const found = await registry.getDriftReportByRun('shop/customers-drift', 'job-a');
    assert.equal(found?.id, stored.id);
    assert.equal(found?.html, '<p>report</p>');
    assert.equal(await registry.getDriftReportByRun('shop/other', 'job-a'), undefined);
    assert.equal(await registry.getDriftReportByRun('shop/customers-drift', 'job-b'), undefined);
  });

  test('storing the same run again returns the first report and writes nothing', async () => {
    const first = await registry.insertDriftReport(input({ runId: 'job-retry' }));
    const second = await registry.insertDriftReport(input({ runId: 'job-retry', share: 1 }));
    assert.equal(second.id, first.id);
    assert.equal(second.share, 0.5, 'the first attempt wins');
    const all = await registry.listDriftReports('shop/customers-drift', { limit: 100 });
    assert.equal(all.filter((r) => r.runId === 'job-retry').length, 1);
  });

  test('reports without a run id are never deduplicated; an unknown model is still refused', async () => {
    const a = await registry.insertDriftReport(input());
    const b = await registry.insertDriftReport(input());
    assert.notEqual(a.id, b.id);
    assert.equal(a.runId, undefined);
    await assert.rejects(
      registry.insertDriftReport(input({ runId: 'job-x', model: { namespace: 'x', name: 'y', version: 1 } })),
      /model x\/y is not in the registry/,
    );
    await assert.rejects(registry.insertDriftReport(input({ runId: '' })), /runId must not be empty/);
  });

  test('the details (rule, what fired, persona tests, bad cells) are kept; older reports have none', async () => {
    const details: DriftDetails = {
      rule: { anyOf: ['features', 'personaMix'] },
      fired: ['personaMix'],
      badCells: [{ column: 'age', count: 1, examples: [{ at: 'row 3', problem: 'missing value (NULL)' }] }],
    };
    const stored = await registry.insertDriftReport(input({ runId: 'job-details', details }));
    assert.deepEqual(stored.details, details);
    assert.deepEqual((await registry.getDriftReport(stored.id))?.details, details);
    const plain = await registry.insertDriftReport(input({ runId: 'job-plain' }));
    assert.equal(plain.details, undefined);
  });
});
