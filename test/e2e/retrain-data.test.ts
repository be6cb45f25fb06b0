// The data of a drift retrain on the local control plane and a real Postgres: too few current
// rows refuse the retrain (status and Event); Model data retrains on the model's own query,
// as before the choice existed; and a retrain pointed at unusable data (a missing feature
// column, an empty window of logged predictions) fails with its own Trained reason naming the
// column or the window, while the production version keeps serving and nothing registered
// changes. The drift run reads the same data first, so unusable data reaches a retrain only when
// it changed in between: those requests are written here as a monitor writes them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { retrainRequestAnnotations } from '../../operator/src/controllers/shared/retrain-request.ts';
import {
  MODEL,
  applyMonitor,
  describeMonitor,
  getMonitor,
  monitor,
  monitorEvents,
  runNow,
} from './monitors.ts';
import {
  SEED_COLUMNS,
  applyModel,
  describeStatus,
  getModel,
  isReadyOn,
  januaryQuery,
  patchModel,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
  type EventSeen,
} from './support.ts';

describe('retrain data on the local control plane', () => {
  let e: E2e;

  before(async () => {
    e = await startE2e();
    e.startOperator();
    await applyModel(
      e,
      seedModel(MODEL, e.namespace, { serving: { replicas: 1, progressDeadlineSeconds: 90 } }),
    );
    await waitForModel(e, MODEL, 'Ready on version 1', isReadyOn(1), 180_000);
  });
  after(async () => {
    await e?.stop();
  });

  test('fewer current rows than minRows: drift reported, no retrain, said in status and an Event', async () => {
    await applyMonitor(
      e,
      monitor('few-rows', { query: januaryQuery('2025-03'), action: { retrain: { minRows: 1000 } } }),
    );
    const m = await runNow(e, 'few-rows', 'march');
    assert.equal(m.status?.lastReport?.driftDetected, true, describeMonitor(m));
    assert.equal(m.status?.lastRetrain?.decision, 'Skipped');
    assert.equal(m.status?.lastRetrain?.reason, 'TooFewRows');
    assert.match(
      m.status?.lastRetrain?.message ?? '',
      /500 rows, fewer than spec.action.retrain.minRows \(1000\)/,
    );
    assert.equal(m.status?.lastRetrainTriggered, undefined);
    const skipped = (ev: EventSeen) => ev.reason === 'RetrainSkipped' && /minRows \(1000\)/.test(ev.message);
    const events = await monitorEvents(e, 'few-rows', (evs) => evs.some(skipped));
    assert.ok(events.some(skipped), JSON.stringify(events));
    const model = await getModel(e, MODEL);
    assert.equal(model.metadata.annotations?.['personas.dtc.dev/retrain'], undefined);
  });

  test("Model data: the drift retrain reruns the model's own query, reproducing version 1", async () => {
    await applyMonitor(
      e,
      monitor('model-data', { query: januaryQuery('2025-03'), action: { retrain: { data: 'Model' } } }),
    );
    const m = await runNow(e, 'model-data', 'march');
    assert.equal(m.status?.lastRetrain?.decision, 'Triggered', describeMonitor(m));
    const retrained = await waitForModel(e, MODEL, 'Ready on version 2', isReadyOn(2), 240_000);
    assert.equal(retrained.status?.lastTraining?.data, 'Model: 500 rows');
    const ref = { namespace: e.namespace, name: MODEL };
    const [v1, v2] = await Promise.all([1, 2].map((version) => e.registry.getVersion({ ...ref, version })));
    assert.equal(v2.lineage?.data.choice, 'Model');
    assert.equal(v2.lineage?.trigger?.kind, 'drift');
    assert.deepEqual(v2.lineage?.data.parts[0].origin, v1.lineage?.data.parts[0].origin);
    assert.equal(v2.lineage?.data.parts[0].dataHash, v1.lineage?.data.parts[0].dataHash, 'January again');
    // Same rows, seed and settings: the same personas where they were.
    const [a1, a2] = await Promise.all([v1, v2].map((v) => e.registry.loadArtifact(v)));
    assert.deepEqual(
      a2.personas.map((p) => p.name),
      a1.personas.map((p) => p.name),
    );
    for (const [i, p] of a2.personas.entries()) {
      for (const f of SEED_COLUMNS) {
        const [was, is] = [a1.personas[i].centroid[f], p.centroid[f]];
        if (typeof was === 'number')
          assert.ok(Math.abs(Number(is) - was) <= 1e-9 * Math.max(1, Math.abs(was)), `${p.name}.${f}`);
        else assert.equal(is, was, `${p.name}.${f}`);
      }
    }
  });

  test('bad input: a missing column or an empty window fails the retrain naming it; production keeps serving', async () => {
    const ref = { namespace: e.namespace, name: MODEL };
    const versionsBefore = await e.registry.listVersions(ref);
    const production = (await getModel(e, MODEL)).status?.productionVersion;
    const withoutIncome = `SELECT ${SEED_COLUMNS.filter((c) => c !== 'income').join(', ')} FROM survey WHERE month = '2025-03'`;
    const cases = [
      {
        token: 'drift-901',
        current: { postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: withoutIncome } },
        reason: 'DataMissingColumn',
        message: /column "income" is not in the query result/,
      },
      {
        token: 'drift-902',
        current: { predictions: { from: '1999-01-01T00:00:00.000Z', to: '1999-01-02T00:00:00.000Z' } },
        reason: 'DataWindowEmpty',
        message:
          /logged predictions from 1999-01-01T00:00:00.000Z to 1999-01-02T00:00:00.000Z\): the window is empty/,
      },
    ] as const;
    for (const c of cases) {
      await patchModel(e, MODEL, {
        metadata: {
          annotations: retrainRequestAnnotations({
            token: c.token,
            monitor: 'customers-drift',
            reportId: Number(c.token.slice('drift-'.length)),
            data: 'Current',
            current: c.current,
            currentRows: 500,
          }),
        },
      });
      const failed = await waitForModel(
        e,
        MODEL,
        `the ${c.token} retrain failed`,
        (m) =>
          m.status?.retrainToken === c.token &&
          m.status.lastTraining?.result === 'Failed' &&
          m.status.lastTraining.completionTime !== undefined,
        180_000,
      );
      const trained = failed.status?.conditions?.find((x) => x.type === 'Trained');
      assert.equal(trained?.status, 'False', describeStatus(failed));
      assert.equal(trained?.reason, c.reason, trained?.message);
      assert.match(trained?.message ?? '', c.message);
      assert.equal(failed.status?.servingVersion, production, 'the production version keeps serving');
      assert.equal(failed.status?.productionVersion, production);
      assert.equal(failed.status?.phase, 'Serving');
    }
    assert.deepEqual(await e.registry.listVersions(ref), versionsBefore, 'nothing registered changed');
    const monitorAfter = await getMonitor(e, 'model-data');
    assert.equal(monitorAfter.status?.lastRetrain?.decision, 'Triggered');
  });
});
