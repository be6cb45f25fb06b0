// API semantics on the real local control plane: CRD schema with CEL, garbage
// collection through ownerReferences, RBAC for a narrow ServiceAccount, and an
// API server restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  VersionApi,
} from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import { helmPath } from './index.ts';
import { waitFor } from './wait.ts';

function statusCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

/** The refusal of an API call: HTTP status and the Status message (the body arrives as JSON text). */
async function rejection(promise: Promise<unknown>): Promise<{ code: number | undefined; message: string }> {
  try {
    await promise;
  } catch (err) {
    const body = (err as { body?: unknown }).body;
    let message = typeof body === 'string' ? body : JSON.stringify(body);
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // Not a Status document: keep the raw text.
    }
    return { code: statusCode(err), message };
  }
  throw new Error('expected the API call to be refused, but it succeeded');
}

describe('local control plane: API semantics', () => {
  let cp: ControlPlane;
  let core: CoreV1Api;
  const diagnostics = (): string => cp.logs();

  before(async () => {
    cp = await startControlPlane();
    core = cp.kubeConfig.makeApiClient(CoreV1Api);
  });
  after(async () => {
    await cp?.stop();
  });

  test('starts warm within seconds and serves its version', async (t) => {
    t.diagnostic(`warm start: ${cp.startupMs} ms`);
    const version = await cp.kubeConfig.makeApiClient(VersionApi).getCode();
    // The build's ldflags: without them the server reports v0.0.0 and clients misjudge it.
    assert.match(version.gitVersion, /^v1\.\d+\.\d+$/);
    const nodes = await core.listNode();
    assert.deepEqual(nodes.items, []);
  });

  test('a CRD with a CEL rule rejects an invalid object and accepts a valid one', async () => {
    const ext = cp.kubeConfig.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'ranges.test.personas.dtc.dev' },
        spec: {
          group: 'test.personas.dtc.dev',
          names: { plural: 'ranges', singular: 'range', kind: 'Range' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['min', 'max'],
                      properties: { min: { type: 'integer' }, max: { type: 'integer' } },
                      x_kubernetes_validations: [
                        { rule: 'self.min <= self.max', message: 'min must be <= max' },
                      ],
                    },
                    status: { type: 'object', properties: { seen: { type: 'integer' } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await waitFor(
      'the CRD to be Established',
      async () => {
        const crd = await ext.readCustomResourceDefinition({ name: 'ranges.test.personas.dtc.dev' });
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { diagnostics },
    );
    const custom = cp.kubeConfig.makeApiClient(CustomObjectsApi);
    const obj = (name: string, min: number, max: number) => ({
      group: 'test.personas.dtc.dev',
      version: 'v1',
      namespace: 'default',
      plural: 'ranges',
      body: { apiVersion: 'test.personas.dtc.dev/v1', kind: 'Range', metadata: { name }, spec: { min, max } },
    });
    // Discovery of a new CRD can lag its Established condition by a moment.
    await waitFor(
      'the valid Range to be created',
      async () => (await custom.createNamespacedCustomObject(obj('ok', 1, 5)), true),
      {
        diagnostics,
      },
    );
    const refused = await rejection(custom.createNamespacedCustomObject(obj('bad', 9, 2)));
    assert.equal(refused.code, 422);
    assert.match(refused.message, /spec: Invalid value: "object": min must be <= max/);
  });

  test('deleting an owner garbage-collects its dependents', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'owner' }, data: { role: 'owner' } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! },
          ],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default' });
    await waitFor(
      'the dependent ConfigMap to be garbage-collected',
      async () => {
        try {
          await core.readNamespacedConfigMap({ name: 'dependent', namespace: 'default' });
          return false;
        } catch (err) {
          return statusCode(err) === 404;
        }
      },
      { diagnostics },
    );
  });

  test('a ServiceAccount bound to a narrow Role is refused (403) outside it', async () => {
    await cp.createNamespace('narrow');
    await core.createNamespacedServiceAccount({
      namespace: 'narrow',
      body: { metadata: { name: 'reader' } },
    });
    const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: 'narrow',
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: 'narrow',
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'narrow' }],
      },
    });
    const kc = new KubeConfig();
    kc.loadFromFile(await cp.serviceAccountKubeconfig('narrow', 'reader'));
    const asReader = kc.makeApiClient(CoreV1Api);
    const allowed = await asReader.listNamespacedConfigMap({ namespace: 'narrow' });
    assert.ok(Array.isArray(allowed.items));
    const secrets = await rejection(asReader.listNamespacedSecret({ namespace: 'narrow' }));
    assert.equal(secrets.code, 403);
    assert.match(
      secrets.message,
      /User "system:serviceaccount:narrow:reader" cannot list resource "secrets"/,
    );
    const elsewhere = await rejection(asReader.listNamespacedConfigMap({ namespace: 'default' }));
    assert.equal(elsewhere.code, 403);
  });

  test('survives an API server restart with its data', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'before-restart' } },
    });
    await cp.restartApiServer();
    const cm = await core.readNamespacedConfigMap({ name: 'before-restart', namespace: 'default' });
    assert.equal(cm.metadata?.name, 'before-restart');
  });

  test('helm installs a chart against it and sees the server version', async () => {
    const chart = mkdtempSync(join(tmpdir(), 'persona-chart-'));
    try {
      mkdirSync(join(chart, 'templates'));
      writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: smoke\nversion: 0.1.0\n');
      writeFileSync(
        join(chart, 'templates', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-smoke\n' +
          'data:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
      );
      await promisify(execFile)(
        helmPath(),
        ['install', 'demo', chart, '--kubeconfig', cp.kubeconfigPath, '--namespace', 'default'],
        {
          env: {
            ...process.env,
            HELM_CACHE_HOME: join(chart, '.cache'),
            HELM_CONFIG_HOME: join(chart, '.config'),
            HELM_DATA_HOME: join(chart, '.data'),
          },
        },
      );
      const cm = await core.readNamespacedConfigMap({ name: 'demo-smoke', namespace: 'default' });
      assert.match(cm.data?.kube ?? '', /^v1\.\d+\.\d+$/);
    } finally {
      rmSync(chart, { recursive: true, force: true });
    }
  });
});
