// Applying a model's predictor objects on the local control plane: a Service the API server
// refuses (here a quota of none, at scale a full Service address range) fails the apply and
// leaves the Deployment as it was, so the retry applies everything instead of trusting a hash
// that says it is done.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../../../../test/cluster/index.ts';
import { GROUP, VERSION } from '../../../src/api/v1alpha1/common.ts';
import { PERSONA_MODEL_PLURAL, type PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import { resolveSpec } from '../../../src/controllers/personamodel/defaults.ts';
import { predictorName } from '../../../src/controllers/personamodel/naming.ts';
import { applyPredictor } from '../../../src/controllers/personamodel/rollout-step.ts';
import { MANAGED_SELECTOR } from '../../../src/controllers/shared/labels.ts';
import { makeClients, type KubeClients } from '../../../src/kube/clients.ts';
import { InformerFactory, deploymentKind } from '../../../src/kube/informers.ts';
import { isNotFound } from '../../../src/runtime/k8s-errors.ts';
import { silentLogger } from '../../../src/runtime/logger.ts';
import { installCrds } from '../../support/crds.ts';
import { sampleModel } from './sample.ts';

const NAMESPACE = 'apply-predictor';
let cp: ControlPlane;
let clients: KubeClients;
let informers: InformerFactory;

before(async () => {
  cp = await startControlPlane();
  await installCrds(cp);
  await cp.createNamespace(NAMESPACE);
  clients = makeClients(cp.kubeConfig);
  informers = new InformerFactory({ clients, logger: silentLogger });
});

after(async () => {
  informers?.stop();
  clients?.auth.close();
  await cp?.stop();
});

test('a refused Service fails the apply, and the retry applies it and then the Deployment', async () => {
  const sample = sampleModel();
  const model = (await clients.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NAMESPACE,
    plural: PERSONA_MODEL_PLURAL,
    body: { ...sample, metadata: { name: 'customers', namespace: NAMESPACE } },
  })) as PersonaModel;
  const deployments = informers.store(deploymentKind, MANAGED_SELECTOR);
  await informers.start();
  const ctx = { clients, deployments, config: DEFAULT_CONFIG };
  const spec = resolveSpec(model.spec);
  const name = predictorName(model.metadata.name!);
  const exists = async (read: () => Promise<unknown>) => {
    try {
      await read();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  const service = () => exists(() => clients.core.readNamespacedService({ name, namespace: NAMESPACE }));
  const deployment = () =>
    exists(() => clients.apps.readNamespacedDeployment({ name, namespace: NAMESPACE }));

  await clients.core.createNamespacedResourceQuota({
    namespace: NAMESPACE,
    body: { metadata: { name: 'no-services' }, spec: { hard: { services: '0' } } },
  });
  await assert.rejects(applyPredictor(ctx, model, spec, 1), /exceeded quota/);
  assert.equal(await service(), false);
  assert.equal(await deployment(), false, 'nothing vouches for objects that were not applied');

  await clients.core.deleteNamespacedResourceQuota({ name: 'no-services', namespace: NAMESPACE });
  // The quota controller may still count the old limit for a moment: retry as the work queue would.
  for (let attempt = 1; ; attempt++) {
    try {
      await applyPredictor(ctx, model, spec, 1);
      break;
    } catch (err) {
      if (attempt >= 50 || !/exceeded quota/.test(String((err as Error).message))) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.equal(await service(), true, 'the retry applied the Service');
  assert.equal(await deployment(), true);
});
