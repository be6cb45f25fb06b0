// The CRDs on a real kube-apiserver (the local control plane): they install and become
// Established (structural, CEL within cost limits), defaults are applied, every invalid
// manifest under fixtures/invalid is refused with a message naming the field, and
// `kubectl get pm` shows the printer columns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { startControlPlane, type ControlPlane } from '../../../test/cluster/index.ts';
import { GROUP, VERSION } from '../../src/api/v1alpha1/common.ts';
import type { DriftMonitor } from '../../src/api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../../src/api/v1alpha1/personamodel.ts';
import { installCrds } from '../support/crds.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const run = promisify(execFile);
const NS = 'crd-validation';

interface Manifest {
  kind: string;
  metadata: { name: string };
}

const plural = (kind: string) => (kind === 'PersonaModel' ? 'personamodels' : 'driftmonitors');

function rejectionMessage(err: unknown): { code: unknown; message: string } {
  const body = (err as { body?: unknown }).body;
  const parsed =
    typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
  return { code: (err as { code?: unknown }).code, message: parsed?.message ?? String(err) };
}

describe('CRDs on the API server', () => {
  let cp: ControlPlane;
  let objects: CustomObjectsApi;

  before(async () => {
    cp = await startControlPlane();
    await cp.createNamespace(NS);
    await installCrds(cp);
    objects = cp.kubeConfig.makeApiClient(CustomObjectsApi);
  });
  after(async () => {
    await cp?.stop();
  });

  const create = (doc: Manifest) =>
    objects.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: NS,
      plural: plural(doc.kind),
      body: doc,
    });

  test('a valid PersonaModel is accepted with the schema defaults applied', async () => {
    const doc = load(readFileSync(`${fixtures}valid-personamodel.yaml`, 'utf8')) as Manifest;
    const created = (await create(doc)) as PersonaModel;
    assert.equal(created.spec.training.nInit, 10);
    assert.equal(created.spec.training.mode, 'fit');
    assert.equal(created.spec.training.backoffLimit, 2);
    assert.equal(created.spec.training.parallelism, 1, 'one training pod unless asked');
    assert.deepEqual(created.spec.promotion, {
      policy: 'Automatic',
      minSilhouette: 0.25,
      requireImprovement: true,
      tolerance: 0.01,
      maxPersonaChurn: 1,
      allowPersonaChanges: true,
    });
    assert.equal(created.spec.serving?.replicas, 2);
    assert.deepEqual(created.spec.artifacts, { postgres: {} });
    assert.equal(created.spec.features[0].type, 'numeric');
    assert.equal(created.spec.personas?.[0].centroid.income, 60000.5, 'fractional centroids survive');
  });

  const files = readdirSync(`${fixtures}invalid`)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  test('there are at least ten invalid manifests', () => {
    assert.ok(files.length >= 10, `only ${files.length} fixtures`);
  });

  for (const file of files) {
    test(`refuses invalid/${file} naming the field`, async () => {
      const text = readFileSync(`${fixtures}invalid/${file}`, 'utf8');
      const expected = /^# expect: (.+)$/m.exec(text)?.[1];
      assert.ok(expected, `${file} has no "# expect:" line`);
      let refused: { code: unknown; message: string } | undefined;
      try {
        await create(load(text) as Manifest);
      } catch (err) {
        refused = rejectionMessage(err);
      }
      assert.ok(refused, `${file} was accepted`);
      assert.equal(refused.code, 422, refused.message);
      assert.ok(refused.message.includes(expected), `expected "${expected}" in: ${refused.message}`);
    });
  }

  test("a DriftMonitor gets the persona tests' defaults; a rule over the tests it keeps is accepted", async () => {
    const created = (await create({
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'DriftMonitor',
      metadata: { name: 'customers-drift' },
      spec: {
        modelRef: { name: 'customers' },
        current: { predictions: {} },
        tests: {
          perPersona: { enabled: false },
          driftWhen: { anyOf: ['features', 'personaMix', 'novelty'] },
        },
      },
    } as Manifest)) as DriftMonitor;
    const t = created.spec.tests!;
    assert.deepEqual(t.personaMix, { enabled: true, test: 'auto' });
    assert.deepEqual(t.novelty, { enabled: true, percentile: 0.99, maxShare: 0.05 });
    assert.deepEqual(t.perPersona, { enabled: false, minRows: 30, falseAlarmRate: 0.01 });
    assert.deepEqual(t.driftWhen, { anyOf: ['features', 'personaMix', 'novelty'] });
  });

  test('kubectl get dm shows the persona-mix column, and the movers and novelty wide', async () => {
    const kubectl = (...args: string[]) =>
      run('kubectl', ['--kubeconfig', cp.kubeconfigPath, ...args, '-n', NS]);
    const header = (out: string) =>
      out
        .split('\n')[0]
        .split(/\s{2,}/)
        .filter(Boolean);
    const first = ['NAME', 'MODEL', 'DRIFT', 'SHARE', 'PERSONA MIX', 'LAST RUN'];
    assert.deepEqual(header((await kubectl('get', 'dm')).stdout), [...first, 'READY', 'AGE']);
    assert.deepEqual(header((await kubectl('get', 'dm', '-o', 'wide')).stdout), [
      ...first,
      'PERSONAS MOVED',
      'NOVELTY',
      'READY',
      'AGE',
    ]);
  });

  test('kubectl get pm shows the printer columns', async () => {
    const { stdout } = await run('kubectl', ['--kubeconfig', cp.kubeconfigPath, 'get', 'pm', '-n', NS]);
    const header = stdout.split('\n')[0].split(/\s+/).filter(Boolean);
    assert.deepEqual(header, ['NAME', 'PHASE', 'SERVING', 'LATEST', 'SILHOUETTE', 'READY', 'AGE']);
    assert.match(stdout, /^customers\s/m);
  });
});
