// Console access on the real control plane: the operator, authenticated as its ServiceAccount
// with the chart's rules, checks callers' tokens with TokenReview and their namespaces with
// SubjectAccessReview. A user who may get PersonaModels in one namespace sees that namespace's
// model and gets 403 for another's; a request without a token, or with a token the API server
// does not accept, gets 401 unless the operator serves requests without one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1PolicyRule } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { Registry } from '@persona-operator/registry';
import { startControlPlane, type ControlPlane } from '../../../test/cluster/index.ts';
import { startPostgres, type TestPostgres } from '../../../test/support/postgres.ts';
import type { PersonaModel } from '../../src/api/v1alpha1/personamodel.ts';
import {
  ConsoleAccess,
  isLoopback,
  kubeAccessReviews,
  type ConsoleAccessOptions,
} from '../../src/console/access.ts';
import { REPORTS_PREFIX, handleReportRequest } from '../../src/reports/server.ts';
import { handleConsoleRequest, type ConsoleDeps } from '../../src/console/server.ts';
import { makeClients } from '../../src/kube/clients.ts';

const RBAC_RULES = fileURLToPath(
  new URL('../../../charts/persona-operator/files/operator-rbac-rules.yaml', import.meta.url),
);

let cp: ControlPlane;
let db: TestPostgres;
let registry: Registry;
const servers: Server[] = [];
let viewerToken: string;
/** A drift report on a model of each namespace. */
const reportIds: Record<'team-a' | 'team-b', number> = { 'team-a': 0, 'team-b': 0 };

const model = (namespace: string, name: string): PersonaModel =>
  ({
    apiVersion: 'personas.dtc.dev/v1alpha1',
    kind: 'PersonaModel',
    metadata: { namespace, name },
    spec: {},
    status: { phase: 'Serving' },
  }) as unknown as PersonaModel;

async function serve(allowWithoutToken: boolean, more: Partial<ConsoleAccessOptions> = {}): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromFile(await cp.serviceAccountKubeconfig('persona-system', 'persona-operator'));
  const deps: ConsoleDeps = {
    source: {
      registry,
      personaModels: () => [model('team-a', 'shoppers'), model('team-b', 'payroll')],
      driftMonitors: () => [],
      now: () => new Date(),
    },
    access: new ConsoleAccess(kubeAccessReviews(makeClients(kc)), { allowWithoutToken, ...more }),
  };
  const server = createServer((req, res) => {
    if (req.url?.startsWith(REPORTS_PREFIX))
      void handleReportRequest({ source: registry, access: deps.access }, req, res);
    else void handleConsoleRequest(deps, req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  [cp, db] = await Promise.all([startControlPlane({ waitForControllers: false }), startPostgres()]);
  registry = await Registry.connect(db.url);
  await registry.migrate();
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  for (const ns of ['persona-system', 'team-a', 'team-b']) await cp.createNamespace(ns);
  await core.createNamespacedServiceAccount({
    namespace: 'persona-system',
    body: { metadata: { name: 'persona-operator' } },
  });
  const rules = load(readFileSync(RBAC_RULES, 'utf8')) as V1PolicyRule[];
  await rbac.createClusterRole({ body: { metadata: { name: 'persona-operator' }, rules } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'persona-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'persona-operator' },
      subjects: [{ kind: 'ServiceAccount', name: 'persona-operator', namespace: 'persona-system' }],
    },
  });
  // The viewer may get PersonaModels in team-a only.
  await core.createNamespacedServiceAccount({ namespace: 'team-a', body: { metadata: { name: 'viewer' } } });
  await rbac.createNamespacedRole({
    namespace: 'team-a',
    body: {
      metadata: { name: 'model-reader' },
      rules: [{ apiGroups: ['personas.dtc.dev'], resources: ['personamodels'], verbs: ['get'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: 'team-a',
    body: {
      metadata: { name: 'viewer-reads-models' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'model-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: 'team-a' }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    namespace: 'team-a',
    name: 'viewer',
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  viewerToken = token.status?.token ?? '';
  assert.ok(viewerToken, 'TokenRequest returned a token');
  for (const [namespace, name] of [
    ['team-a', 'shoppers'],
    ['team-b', 'payroll'],
  ] as const) {
    await registry.ensureModel({ namespace, name });
    const report = await registry.insertDriftReport({
      monitor: `${namespace}/${name}-drift`,
      model: { namespace, name, version: 1 },
      driftDetected: false,
      share: 0,
      columns: [],
      html: `<html><body>report of ${name}</body></html>`,
    });
    reportIds[namespace] = report.id;
  }
});

after(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  await registry?.close();
  await Promise.all([cp?.stop(), db?.stop()]);
});

const get = (url: string, token?: string) =>
  fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

describe('console access', () => {
  test('a token checked by the API server sees its namespace and gets 403 for another', async () => {
    const base = await serve(false);
    const list = await get(`${base}/console/`, viewerToken);
    assert.equal(list.status, 200);
    const html = await list.text();
    assert.match(html, /shoppers/);
    assert.doesNotMatch(html, /payroll/, "team-b's model is left out");
    assert.match(html, /1 namespace\(s\) hold models you may not get/);
    assert.match(html, /Viewing as system:serviceaccount:team-a:viewer/);

    const own = await get(`${base}/console/ns/team-a/models/shoppers`, viewerToken);
    assert.equal(own.status, 200);
    const other = await get(`${base}/console/ns/team-b/models/payroll`, viewerToken);
    assert.equal(other.status, 403);
    assert.match(
      await other.text(),
      /system:serviceaccount:team-a:viewer may not get personamodels in namespace team-b/,
    );
    const otherMonitor = await get(`${base}/console/ns/team-b/monitors/payroll-drift`, viewerToken);
    assert.equal(otherMonitor.status, 403);
  });

  test('no token or a token the API server rejects gets 401', async () => {
    const base = await serve(false);
    const none = await get(`${base}/console/`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.match(await none.text(), /needs a bearer token/);
    const forged = await get(`${base}/console/ns/team-a/models/shoppers`, 'not-a-real-token');
    assert.equal(forged.status, 401);
    assert.match(await forged.text(), /did not accept the bearer token/);
    const basic = await fetch(`${base}/console/`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(basic.status, 401);
  });

  test('with requests without a token allowed, they see every namespace; tokens are still checked', async () => {
    const base = await serve(true);
    const none = await get(`${base}/console/`);
    assert.equal(none.status, 200);
    const html = await none.text();
    assert.match(html, /shoppers/);
    assert.match(html, /payroll/);
    const other = await get(`${base}/console/ns/team-b/models/payroll`, viewerToken);
    assert.equal(other.status, 403, 'a token narrows what its holder sees');
  });

  test('the console is read-only', async () => {
    const base = await serve(true);
    const post = await fetch(`${base}/console/`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});

describe('drift report pages', () => {
  test("a token reads reports of its namespace's models only; no token gets 401", async () => {
    const base = await serve(false);
    const own = await get(`${base}/reports/${reportIds['team-a']}`, viewerToken);
    assert.equal(own.status, 200);
    assert.match(await own.text(), /report of shoppers/);
    const other = await get(`${base}/reports/${reportIds['team-b']}.json`, viewerToken);
    assert.equal(other.status, 403);
    assert.match(await other.text(), /may not get personamodels in the namespace of report/);
    const none = await get(`${base}/reports/${reportIds['team-a']}`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    const forged = await get(`${base}/reports/${reportIds['team-a']}`, 'not-a-real-token');
    assert.equal(forged.status, 401);
  });

  test('requests from loopback (kubectl port-forward) need no token when the operator allows it', async () => {
    const base = await serve(false, { loopbackWithoutToken: true });
    // This server listens on 127.0.0.1, so these requests are loopback requests.
    const report = await get(`${base}/reports/${reportIds['team-b']}`);
    assert.equal(report.status, 200);
    const console = await get(`${base}/console/`);
    assert.equal(console.status, 200);
    assert.match(await console.text(), /Viewing as kubectl port-forward/);
    // A token still narrows what its holder sees.
    const narrowed = await get(`${base}/reports/${reportIds['team-b']}`, viewerToken);
    assert.equal(narrowed.status, 403);
  });
});

describe('loopback requests', () => {
  const reviews = {
    authenticate: () => Promise.reject(new Error('not asked')),
    mayGetPersonaModels: () => Promise.reject(new Error('not asked')),
  };
  const decide = (remoteAddress: string, loopbackWithoutToken: boolean) =>
    new ConsoleAccess(reviews, { allowWithoutToken: false, loopbackWithoutToken }).decide({
      headers: {},
      socket: { remoteAddress },
    });

  test('only 127.0.0.0/8 and ::1 count as loopback, IPv4-mapped forms included', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
    for (const a of ['198.18.0.7', '::ffff:198.18.0.7', 'fe80::1', '::', '0.0.0.0'])
      assert.ok(!isLoopback(a), a);
    assert.ok(!isLoopback(undefined));
  });

  test('a request without a token from another address gets 401 even with loopback allowed', async () => {
    assert.equal((await decide('198.18.0.7', true)).ok, false);
    assert.equal((await decide('127.0.0.1', true)).ok, true);
    assert.equal((await decide('127.0.0.1', false)).ok, false);
  });
});
