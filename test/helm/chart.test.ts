// The Helm chart on the local control plane: it lints, its rendered manifests are accepted by
// the API server (server-side dry run), and `helm install` brings up the operator Deployment
// whose pods the node agent runs; the operator then reconciles the example PersonaModel to Ready.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { helmPath, startCluster, waitFor, type Cluster } from '../cluster/index.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import type { PersonaModel } from '../../operator/src/api/v1alpha1/personamodel.ts';

const execFileAsync = promisify(execFile);
const repo = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const CHART = repo('charts/persona-operator');
const NAMESPACE = 'persona-system';
const RELEASE = 'persona-operator';

/** Values for a cluster whose registry is an external database (the test's Postgres). */
const EXTERNAL_DB = [
  '--set',
  'image.repository=persona-operator',
  '--set',
  'image.tag=helm-test',
  '--set',
  'postgres.enabled=false',
  '--set',
  'registry.existingSecret=persona-registry',
];

/** Runs a command, failing with its stderr; `input` goes to its stdin. */
function runTool(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${err}${out}`)),
    );
    child.stdin.end(input ?? '');
  });
}

describe('Helm chart persona-operator', () => {
  let cluster: Cluster;
  let pg: TestPostgres;
  let helmHome: string;
  let env: NodeJS.ProcessEnv;
  const helm = (args: string[], input?: string) =>
    runTool(helmPath(), [...args, '--kubeconfig', cluster.kubeconfigPath], env, input);
  const kubectl = (args: string[], input?: string) =>
    runTool('kubectl', ['--kubeconfig', cluster.kubeconfigPath, ...args], env, input);

  before(async () => {
    [cluster, pg] = await Promise.all([startCluster(), startPostgres()]);
    helmHome = mkdtempSync(join(tmpdir(), 'persona-helm-'));
    env = {
      ...process.env,
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    };
    // No migration here: the operator replicas the chart installs create the schema.
    await execFileAsync(process.execPath, [
      repo('cli/bin/persona.js'),
      'data',
      'generate',
      '--scenario',
      'seed',
      '--postgres',
      pg.url,
      '--table',
      'survey',
    ]);
    await cluster.controlPlane.createNamespace(NAMESPACE);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    for (const name of ['persona-registry', 'customer-db']) {
      await core.createNamespacedSecret({
        namespace: NAMESPACE,
        body: { metadata: { name }, stringData: { url: pg.url } },
      });
    }
  });

  after(async () => {
    await cluster?.stop();
    await pg?.stop();
    if (helmHome) rmSync(helmHome, { recursive: true, force: true });
  });

  const failWith = (err: unknown): never => {
    throw new Error(`${String(err)}\n${cluster.diagnostics().slice(-40_000)}`);
  };

  test('helm lint passes with the default values and with an external database', async () => {
    const defaults = await runTool(helmPath(), ['lint', CHART], env);
    assert.match(defaults, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    const external = await runTool(helmPath(), ['lint', CHART, ...EXTERNAL_DB], env);
    assert.match(external, /0 chart\(s\) failed/);
  });

  test('values.schema.json rejects a bad value with the field named', async () => {
    await assert.rejects(
      runTool(helmPath(), ['template', RELEASE, CHART, '--set', 'image.pullPolicy=Sometimes'], env),
      /pullPolicy/,
    );
  });

  test('the rendered manifests pass a server-side dry run', async () => {
    for (const values of [[], EXTERNAL_DB, ['--set', 'networkPolicy.enabled=true']]) {
      const manifests = await helm([
        'template',
        RELEASE,
        CHART,
        '--namespace',
        NAMESPACE,
        '--include-crds',
        ...values,
      ]);
      const kinds = manifests
        .split(/^---$/m)
        .map((doc) => load(doc) as { kind?: string } | null)
        .flatMap((doc) => (doc?.kind ? [doc.kind] : []));
      for (const kind of ['CustomResourceDefinition', 'Deployment', 'ClusterRole', 'ServiceAccount']) {
        assert.ok(kinds.includes(kind), `helm template renders no ${kind}: ${kinds.join(', ')}`);
      }
      const out = await kubectl(['apply', '--dry-run=server', '-n', NAMESPACE, '-f', '-'], manifests);
      assert.match(out, /deployment\.apps\/persona-operator (created|configured) \(server dry run\)/);
    }
  });

  test('helm install runs the operator (two replicas, one leader) and it serves the example model', async () => {
    try {
      await helm(['install', RELEASE, CHART, '--namespace', NAMESPACE, ...EXTERNAL_DB]);
      const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
      await waitFor(
        'both operator replicas Ready',
        async () => {
          const d = await apps.readNamespacedDeployment({ name: 'persona-operator', namespace: NAMESPACE });
          return (d.status?.readyReplicas ?? 0) === 2 ? d : undefined;
        },
        { timeoutMs: 90_000, diagnostics: () => cluster.diagnostics().slice(-40_000) },
      );
      const lease = await waitFor(
        'a leader in the Lease',
        async () => {
          const l = await cluster.kubeConfig
            .makeApiClient(CoordinationV1Api)
            .readNamespacedLease({ name: 'persona-operator', namespace: NAMESPACE })
            .catch(() => undefined);
          return l?.spec?.holderIdentity ? l : undefined;
        },
        { timeoutMs: 30_000, diagnostics: () => cluster.diagnostics().slice(-40_000) },
      );
      assert.match(lease.spec!.holderIdentity!, /^persona-operator-/);

      // The example as a user applies it, with a small k range so the test trains quickly.
      const example = readFileSync(repo('examples/02-personamodel.yaml'), 'utf8');
      const model = load(example) as PersonaModel;
      model.spec.training.k = { min: 4, max: 6 };
      model.spec.training.nInit = 3;
      await kubectl(['apply', '-n', NAMESPACE, '-f', '-'], JSON.stringify(model));
      const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
      const ready = await waitFor(
        'PersonaModel customers Ready',
        async () => {
          const m = (await custom.getNamespacedCustomObject({
            group: 'personas.dtc.dev',
            version: 'v1alpha1',
            namespace: NAMESPACE,
            plural: 'personamodels',
            name: 'customers',
          })) as PersonaModel;
          const c = m.status?.conditions?.find((x) => x.type === 'Ready');
          return c?.status === 'True' ? m : undefined;
        },
        { timeoutMs: 180_000, diagnostics: () => cluster.diagnostics().slice(-40_000) },
      );
      assert.equal(ready.status?.servingVersion, 1);
      assert.equal(ready.status?.endpoint, `http://customers-predictor.${NAMESPACE}.svc:80`);
    } catch (err) {
      failWith(err);
    }
  });
});
