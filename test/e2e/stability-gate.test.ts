// The stability gate end to end: the operator (as its ServiceAccount) promotes a first
// version, the real trainer stores the next version's persona diff against it in the real
// registry, and the gate refuses that version, saying which rule and by how much in status,
// the PromotionRefused Event and the registry's alias audit, while production keeps serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PersonaModel } from '../../operator/src/api/v1alpha1/personamodel.ts';
import {
  applyModel,
  condition,
  eventsOf,
  hasReasons,
  januaryQuery,
  patchModel,
  seedModel,
  startE2e,
  waitForModel,
  type E2e,
} from './support.ts';

const judged = (version: number) => (m: PersonaModel) =>
  m.status?.lastPromotion?.version === version && m.status.observedGeneration === m.metadata.generation;

describe('stability gate on the local control plane', () => {
  let e: E2e;

  before(async () => {
    e = await startE2e({ namespace: 'stability' });
    e.startOperator();
  });
  after(async () => {
    await e?.stop();
  });

  /** Applies the model, waits for version 1 to be promoted, then applies `change`. */
  async function promoteThenChange(model: PersonaModel, change: object): Promise<PersonaModel> {
    const name = model.metadata.name!;
    await applyModel(e, model);
    const first = await waitForModel(e, name, 'version 1 judged', judged(1), 240_000);
    assert.equal(first.status?.lastPromotion?.decision, 'Promoted', first.status?.lastPromotion?.reason);
    await patchModel(e, name, change);
    return waitForModel(e, name, 'version 2 judged', judged(2), 240_000);
  }

  /** The refusal reaches status, the condition, a Warning Event and the alias audit, word for word. */
  async function assertRefusedEverywhere(name: string, m: PersonaModel): Promise<string> {
    const reason = m.status!.lastPromotion!.reason;
    assert.equal(m.status?.lastPromotion?.decision, 'Refused', reason);
    assert.equal(condition(m, 'Promoted')?.reason, 'Refused');
    assert.equal(condition(m, 'Promoted')?.message, reason);
    assert.equal(m.status?.productionVersion, 1, 'production stays on version 1');
    const withDiff = m.status?.lastPromotion?.personaDiff ? ['PersonaDiff'] : [];
    const events = await eventsOf(e, name, 'PersonaModel', hasReasons('PromotionRefused', ...withDiff));
    const refused = events.find((x) => x.reason === 'PromotionRefused');
    assert.equal(refused?.type, 'Warning');
    assert.equal(refused?.message, reason);
    const diffEvent = events.find((x) => x.reason === 'PersonaDiff');
    assert.equal(diffEvent?.message, m.status?.lastPromotion?.personaDiff?.summary);
    const refusals = (await e.registry.listAliasEvents({ namespace: e.namespace, name })).filter(
      (x) => x.action === 'refuse',
    );
    assert.deepEqual(
      refusals.map((r) => [r.toVersion, r.reason, r.actor]),
      [[2, reason, 'persona-operator']],
    );
    return reason;
  }

  test('a version that merges two personas is refused under allowPersonaChanges: false', async () => {
    const name = 'merging';
    const model = seedModel(name, e.namespace);
    model.spec.training.k = { value: 4 };
    // requireImprovement off: only the stability rule may refuse the three-persona version.
    model.spec.promotion = {
      policy: 'Automatic',
      minSilhouette: 0.05,
      requireImprovement: false,
      allowPersonaChanges: false,
    };
    const m = await promoteThenChange(model, { spec: { training: { k: { value: 3 } } } });
    const reason = await assertRefusedEverywhere(name, m);
    assert.match(
      reason,
      /^version 2 changes personas against production version 1 \(.*merged [^;)]+ into [^;)]+.*\) and allowPersonaChanges is false$/,
    );
    const stored = await e.registry.getVersionDiff({ namespace: e.namespace, name }, 1, 2);
    assert.ok(stored, 'the training Job stored the diff');
    assert.equal(stored.diff.merged.length, 1);
    assert.ok(stored.diff.merged[0].from.length >= 2);
    const status = m.status!.lastPromotion!.personaDiff!;
    assert.equal(status.fromVersion, 1);
    assert.ok(
      status.changes.some((c) => c.startsWith('merged ')),
      status.changes.join('; '),
    );
  });

  test('churn above maxPersonaChurn is refused with the figure in the reason', async () => {
    const name = 'churning';
    const model = seedModel(name, e.namespace);
    model.spec.promotion = {
      policy: 'Automatic',
      minSilhouette: 0.05,
      requireImprovement: false,
      maxPersonaChurn: 0.1,
    };
    // March is the seed scenario's drifted month: customers change persona.
    const m = await promoteThenChange(model, {
      spec: {
        training: {
          data: {
            postgres: { secretRef: { name: 'customer-db', key: 'url' }, query: januaryQuery('2025-03') },
          },
        },
      },
    });
    const reason = await assertRefusedEverywhere(name, m);
    const stored = (await e.registry.getVersionDiff({ namespace: e.namespace, name }, 1, 2))!.diff;
    const churn = `${Math.round(stored.churn! * 1000) / 10}%`;
    const over = `${Math.round((stored.churn! - 0.1) * 1000) / 10}`;
    assert.equal(
      reason,
      `version 2 churn ${churn} of ${stored.sample.rows} rows is above maxPersonaChurn 10% by ${over} percentage points`,
    );
    assert.equal(m.status?.lastPromotion?.personaDiff?.churn, `${(stored.churn! * 100).toFixed(1)}%`);
  });
});
