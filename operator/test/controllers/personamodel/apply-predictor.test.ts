// Applying a model's predictor objects on the local control plane: a Service the API server
// refuses (here a quota of none, at scale a full Service address range) fails the apply, and
// the retry applies it, since the Service is checked against its own cache rather than the
// Deployment's hash. Objects applied as they should be are not written again.
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
import { InformerFactory, deploymentKind, serviceKind } from '../../../src/kube/informers.ts';
import { createMetrics } from '../../../src/runtime/metrics.ts';
import { waitFor } from '../../../../test/cluster/wait.ts';
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

test('a refused Service fails the apply, and the retry applies it', async () => {
  const sample = sampleModel();
  const model = (await clients.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace: NAMESPACE,
    plural: PERSONA_MODEL_PLURAL,
    body: { ...sample, metadata: { name: 'customers', namespace: NAMESPACE } },
  })) as PersonaModel;
  const deployments = informers.store(deploymentKind, MANAGED_SELECTOR);
  const services = informers.store(serviceKind, MANAGED_SELECTOR);
  await informers.start();
  const ctx = { clients, deployments, services, config: DEFAULT_CONFIG };
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

test('each predictor object is written only when it is not applied as it should be', async () => {
  const namespace = `${NAMESPACE}-writes`;
  await cp.createNamespace(namespace);
  const model = (await clients.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PERSONA_MODEL_PLURAL,
    body: { ...sampleModel(), metadata: { name: 'shoppers', namespace } },
  })) as PersonaModel;
  const metrics = createMetrics();
  const counted = makeClients(cp.kubeConfig, metrics);
  const ctx = {
    clients: counted,
    deployments: informers.store(deploymentKind, MANAGED_SELECTOR),
    services: informers.store(serviceKind, MANAGED_SELECTOR),
    config: DEFAULT_CONFIG,
  };
  const spec = resolveSpec(model.spec);
  const writes = async (apply: () => Promise<unknown>) => {
    metrics.apiRequests.reset();
    await apply();
    const { values } = await metrics.apiRequests.get();
    return values
      .filter((v) => v.value > 0 && v.labels.verb !== 'create')
      .map((v) => `${v.labels.verb} ${v.labels.resource}`)
      .sort();
  };
  try {
    assert.deepEqual(await writes(() => applyPredictor(ctx, model, spec, 1)), [
      'delete NamespacedHorizontalPodAutoscaler',
      'delete NamespacedPodDisruptionBudget',
      'patch NamespacedDeployment',
      'patch NamespacedService',
    ]);
    assert.deepEqual(await writes(() => applyPredictor(ctx, model, spec, 1)), [], 'all applied already');
    assert.deepEqual(
      await writes(() => applyPredictor(ctx, model, spec, 2)),
      ['patch NamespacedDeployment'],
      'a new version changes only the Deployment',
    );

    const name = predictorName(model.metadata.name!);
    await clients.core.deleteNamespacedService({ name, namespace });
    await waitFor('the cache to lose the Service', async () => !ctx.services.get(`${namespace}/${name}`));
    assert.deepEqual(
      await writes(() => applyPredictor(ctx, model, spec, 2)),
      ['patch NamespacedService'],
      'a Service deleted by hand is made again, alone',
    );
  } finally {
    counted.auth.close();
  }
});
