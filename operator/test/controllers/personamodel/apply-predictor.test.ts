// Applying a model's predictor objects on the local control plane: a Service the API server
// refuses (here a quota of none, at scale a full Service address range) is reported as not
// ready and written again after a delay, since the Service is checked against its own cache
// rather than the Deployment's hash. Objects applied as they should be are not written again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../../../../test/cluster/index.ts';
import { GROUP, VERSION } from '../../../src/api/v1alpha1/common.ts';
import { PERSONA_MODEL_PLURAL, type PersonaModel } from '../../../src/api/v1alpha1/personamodel.ts';
import { DEFAULT_CONFIG } from '../../../src/config.ts';
import { resolveSpec } from '../../../src/controllers/personamodel/defaults.ts';
import { predictorName } from '../../../src/controllers/personamodel/naming.ts';
import { serviceWritesSettled } from '../../../src/controllers/personamodel/predictor-service.ts';
import { applyPredictor } from '../../../src/controllers/personamodel/rollout-step.ts';
import { ManualClock, systemClock } from '../../../src/runtime/clock.ts';
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

test('a refused Service keeps the model from serving and is written again after a delay', async () => {
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
  const clock = new ManualClock(Date.now());
  const ctx = { clients, deployments, services, config: DEFAULT_CONFIG, logger: silentLogger, clock };
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
  assert.equal((await applyPredictor(ctx, model, spec, 1)).service.ready, false);
  await serviceWritesSettled();
  assert.equal(await service(), false);
  assert.equal(await deployment(), true, 'the Deployment does not wait for the Service');
  const refused = (await applyPredictor(ctx, model, spec, 1)).service;
  assert.equal(refused.ready, false);
  assert.match(refused.message ?? '', /could not be applied \(1 time\(s\)\): .*exceeded quota/);
  assert.ok((refused.recheckAfterMs ?? 0) >= 1000, 'the next write waits');

  await clients.core.deleteNamespacedResourceQuota({ name: 'no-services', namespace: NAMESPACE });
  // The quota controller may still count the old limit for a moment: retry as reconciles would.
  for (let attempt = 1; ; attempt++) {
    clock.advance(600_000);
    await applyPredictor(ctx, model, spec, 1);
    await serviceWritesSettled();
    if (await service()) break;
    if (attempt >= 50) assert.fail('the Service was never written again');
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((await applyPredictor(ctx, model, spec, 1)).service.ready, true);
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
    logger: silentLogger,
    clock: systemClock,
  };
  const spec = resolveSpec(model.spec);
  const writes = async (apply: () => Promise<unknown>) => {
    metrics.apiRequests.reset();
    await apply();
    await serviceWritesSettled();
    const { values } = await metrics.apiRequests.get();
    return values
      .filter((v) => v.value > 0 && v.labels.verb !== 'create')
      .map((v) => `${v.labels.verb} ${v.labels.resource}`)
      .sort();
  };
  try {
    assert.deepEqual(
      await writes(() => applyPredictor(ctx, model, spec, 1)),
      ['patch NamespacedDeployment', 'patch NamespacedService'],
      'a model that never rolled out has no HPA or PDB to delete',
    );
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

    await clients.apps.deleteNamespacedDeployment({ name, namespace });
    await waitFor(
      'the cache to lose the Deployment',
      async () => !ctx.deployments.get(`${namespace}/${name}`),
    );
    const servedBefore: PersonaModel = { ...model, status: { servingVersion: 2 } };
    assert.deepEqual(
      await writes(() => applyPredictor(ctx, servedBefore, spec, 2)),
      [
        'delete NamespacedHorizontalPodAutoscaler',
        'delete NamespacedPodDisruptionBudget',
        'patch NamespacedDeployment',
      ],
      'a model that served before and lost its Deployment: no HPA or PDB may be left over',
    );
  } finally {
    counted.auth.close();
  }
});
