// The README's "Quickstart on kind", run step by step on a real kind cluster built on this
// machine: docker build, kind load, helm install, the Secrets, the seed data, a model served
// and called through CoreDNS and kube-proxy, drift with a webhook delivered to a receiver pod,
// a retrain, the report page and console through port-forward and the service proxy, a leader takeover, helm upgrade and
// uninstall. Only image names differ from the README (see install.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ensureKindAssets, type KindAssets } from './assets.ts';
import { createCluster, deleteCluster, type KindCluster } from './cluster.ts';
import {
  buildImage,
  createSecrets,
  helmInstall,
  IMAGE,
  loadImage,
  loadSeedData,
  toolsImage,
} from './install.ts';
import { clusterState, makeShell, Timings, type Shell } from './shell.ts';
import { assetPaths } from '../cluster/assets.ts';

const ns = 'persona-system';
const receiverUrl = `http://fake-receiver.${ns}.svc`;
const log = (line: string): void => console.log(`kind quickstart: ${line}`);
const MIN = 60_000;

let assets: KindAssets;
let cluster: KindCluster;
let sh: Shell;
const timings = new Timings();

before(async () => {
  assets = await timings.time('assets (build or check)', () => ensureKindAssets(log));
  cluster = await timings.time('kind create cluster', () =>
    createCluster(assets.binaries.kind, assets.nodeImage, log),
  );
  sh = await makeShell({
    kubeconfig: cluster.kubeconfig,
    binaries: [assets.binaries.kind, assets.binaries.kubectl, assetPaths().helm],
  });
});

after(async () => {
  console.log(`kind quickstart timings:\n${timings.table()}`);
  if (cluster && !process.env.PERSONA_KIND_KEEP) await deleteCluster(assets.binaries.kind, cluster.name, log);
});

/** One quickstart step: timed, and on failure the cluster's state is printed first. */
async function step(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await timings.time(name, fn);
  } catch (err) {
    console.error(`kind quickstart: step "${name}" failed; cluster state:\n${await clusterState(sh, ns)}`);
    throw err;
  }
}

const jsonpath = async (resource: string, path: string): Promise<string> =>
  (await sh.run(`kubectl -n ${ns} get ${resource} -o jsonpath='${path}'`)).trim();

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 3000));
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
}

// A stand-in for the webhook endpoint and the Telegram Bot API, inside the cluster: it logs
// every request, so the test reads deliveries from its logs.
const receiverScript = `
const http = require('node:http');
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    console.log(JSON.stringify({ method: req.method, url: req.url, signature: req.headers['x-persona-signature'] ?? null, body }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, result: { message_id: 1 } }));
  });
}).listen(8080);
`;

const receiverManifest = (): string => `
apiVersion: v1
kind: Pod
metadata: {name: fake-receiver, labels: {app: fake-receiver}}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: receiver
      image: ${IMAGE}
      imagePullPolicy: IfNotPresent
      command: ["node", "-e", ${JSON.stringify(receiverScript)}]
      ports: [{containerPort: 8080}]
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: ["ALL"]}}
---
apiVersion: v1
kind: Service
metadata: {name: fake-receiver}
spec:
  selector: {app: fake-receiver}
  ports: [{port: 80, targetPort: 8080}]
`;

test('README quickstart on kind', { timeout: 90 * MIN }, async () => {
  await step('docker build', () => buildImage(sh));
  await step('kind load docker-image', () => loadImage(sh, cluster.name));

  await step('helm install, rollout status', async () => {
    await helmInstall(sh, ns, { PERSONA_TELEGRAM_API_BASE: receiverUrl });
    const pvc = await jsonpath('pvc data-persona-operator-postgres-0', '{.status.phase}');
    assert.equal(pvc, 'Bound');
    assert.equal(await jsonpath('deployment persona-operator', '{.status.readyReplicas}'), '2');
  });

  await step('Secrets', async () => {
    await createSecrets(sh, ns);
    await sh.run(`kubectl -n ${ns} apply -f -`, { input: receiverManifest() });
    await sh.run(`kubectl -n ${ns} wait --for=condition=Ready pod/fake-receiver --timeout=3m`, {
      timeoutMs: 4 * MIN,
    });
  });

  await step('seed data Job', () => loadSeedData(sh, ns));

  await step('PersonaModel trained and Serving version 1', async () => {
    await sh.run(`kubectl -n ${ns} apply -f examples/02-personamodel.yaml`);
    await sh.run(
      `sed "s|https://hooks.example.com/persona-drift|${receiverUrl}/persona-drift|" examples/03-driftmonitor.yaml \\
        | kubectl -n ${ns} apply -f -`,
    );
    await waitFor('customers Serving version 1', 15 * MIN, async () => {
      const [phase, serving] = (
        await jsonpath('pm customers', '{.status.phase} {.status.servingVersion}')
      ).split(' ');
      return phase === 'Serving' && serving === '1';
    });
  });

  await step('prediction from a pod through the Service name', async () => {
    // `kubectl run -i` can lose a short-lived pod's output when the container exits before
    // the attach lands (kubectl then prints nothing and exits 0), so an empty reply is
    // retried; a reply that is there but wrong fails at once.
    let out = '';
    for (let attempt = 1; attempt <= 3 && !out.includes('{'); attempt++) {
      if (attempt > 1) {
        log(
          `kubectl run printed no reply (attempt ${attempt - 1}: ${JSON.stringify(out.trim())}); running the pod again`,
        );
        await sh.run(`kubectl -n ${ns} delete pod curl --ignore-not-found --wait`);
      }
      out = await sh.run(
        `kubectl -n ${ns} run curl --rm -i --restart=Never --image=${toolsImage} -- \\
          curl -sS -XPOST http://customers-predictor/v1/models/customers:predict \\
          -H 'content-type: application/json' \\
          -d '{"instances":[{"age":35,"income":60000,"eco_score":8.7,"price_sensitivity":4,"online_share":0.5,"monthly_spend":320,"loyalty_years":4,"brand_trust":7,"preferred_channel":"store"}]}' 2>&1`,
        { timeoutMs: 3 * MIN },
      );
    }
    assert.ok(out.includes('{'), `no prediction reply from the curl pod; it printed: ${JSON.stringify(out)}`);
    const body = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as {
      predictions: { persona: string }[];
    };
    assert.equal(body.predictions[0].persona, 'Sustainable Steve');
  });

  await step('drift in March, webhook delivered, retrain serves version 2', async () => {
    await sh.run(`sed -e "s/2025-02/2025-03/" -e "s|https://hooks.example.com/persona-drift|${receiverUrl}/persona-drift|" \\
        examples/03-driftmonitor.yaml | kubectl -n ${ns} apply -f -
      kubectl -n ${ns} annotate dm customers-drift personas.dtc.dev/run-now="$(date +%s)" --overwrite`);
    await waitFor('drift found in March', 10 * MIN, async () => {
      const [drift, query] = [
        await jsonpath('dm customers-drift', '{.status.lastReport.driftDetected}'),
        await jsonpath('dm customers-drift', '{.spec.current.postgres.query}'),
      ];
      return drift === 'true' && query.includes('2025-03');
    });
    await waitFor('the webhook delivery at the receiver', 3 * MIN, async () => {
      const logs = await sh.run(`kubectl -n ${ns} logs pod/fake-receiver`);
      return logs
        .split('\n')
        .filter(Boolean)
        .some((line) => {
          const req = JSON.parse(line) as { url: string; signature: string | null; body: string };
          return (
            req.url === '/persona-drift' && req.body.includes('customers-drift') && req.signature !== null
          );
        });
    });
    await waitFor('customers Serving version 2', 15 * MIN, async () => {
      const [phase, serving] = (
        await jsonpath('pm customers', '{.status.phase} {.status.servingVersion}')
      ).split(' ');
      return phase === 'Serving' && serving === '2';
    });
    // Version 2 learned March, the rows the monitor found drifted (README: -o wide).
    const wide = await sh.run(`kubectl -n ${ns} get pm customers -o wide`);
    assert.match(wide, /drift report \d+ \(\S+\/customers-drift\)/, wide);
    assert.match(wide, /Current: \d+ rows/, wide);
  });

  await step('report page through kubectl port-forward', async () => {
    const id = await jsonpath('dm customers-drift', '{.status.lastReport.id}');
    assert.ok(id, 'the monitor names its last report');
    const html = await sh.run(
      `kubectl -n ${ns} port-forward svc/persona-operator 18081:8081 >/tmp/persona-kind-port-forward.log 2>&1 &
      pf=$!
      trap 'kill $pf' EXIT
      for i in $(seq 1 50); do curl -sf http://127.0.0.1:18081/readyz >/dev/null && break; sleep 0.2; done
      curl -sf http://127.0.0.1:18081/reports/${id}
      echo '<!-- console -->'
      curl -sf http://127.0.0.1:18081/console/`,
      { timeoutMs: 2 * MIN },
    );
    // Through port-forward no token is needed: the kubelet connects from the pod's loopback.
    const [report, console] = html.split('<!-- console -->');
    assert.match(report, /<html/i);
    assert.match(report, /customers/);
    assert.match(console, /Viewing as kubectl port-forward/);
    assert.match(console, /customers/);
  });

  const serviceProxy = `kubectl get --raw /api/v1/namespaces/${ns}/services/persona-operator:http/proxy/console/`;
  await step("console through the API server's service proxy: closed by default", async () => {
    // The API server passes no token on; without console.withoutToken the operator says 401,
    // which kubectl reports as the server asking for credentials.
    await assert.rejects(sh.run(serviceProxy), /asked for the client to provide credentials|Unauthorized/);
  });

  await step('kubectl logs of the operator', async () => {
    const logs = await sh.run(`kubectl -n ${ns} logs deployment/persona-operator --tail=200`);
    assert.ok(logs.trim().length > 0, 'the operator logs something');
  });

  await step('leader pod deleted, the other replica takes over and reconciles', async () => {
    const pods = (
      await jsonpath(
        'pods -l app.kubernetes.io/component=operator',
        '{range .items[*]}{.metadata.name}{"\\n"}{end}',
      )
    )
      .split('\n')
      .filter(Boolean);
    const leases = (
      await jsonpath('lease', '{range .items[*]}{.metadata.name} {.spec.holderIdentity}{"\\n"}{end}')
    )
      .split('\n')
      .map((line) => line.split(' '));
    const lease = leases.find(([, holder]) => pods.some((p) => holder?.includes(p)));
    assert.ok(lease, `a Lease held by one of ${pods.join(', ')}: ${JSON.stringify(leases)}`);
    const [leaseName, holder] = lease;
    const leader = pods.find((p) => holder.includes(p))!;
    await sh.run(`kubectl -n ${ns} delete pod ${leader} --wait=false`);
    await waitFor('another replica holding the Lease', 3 * MIN, async () => {
      const now = await jsonpath(`lease ${leaseName}`, '{.spec.holderIdentity}');
      return now !== '' && !now.includes(leader);
    });
    // A change only a live leader acts on: the predictor scaled to two replicas.
    await sh.run(`kubectl -n ${ns} patch pm customers --type=merge -p '{"spec":{"serving":{"replicas":2}}}'`);
    await waitFor('the predictor scaled to 2 by the new leader', 5 * MIN, async () => {
      return (await jsonpath('deployment customers-predictor', '{.status.readyReplicas}')) === '2';
    });
  });

  await step('helm upgrade with a changed value', async () => {
    await sh.run(
      `helm upgrade persona-operator charts/persona-operator --namespace ${ns} --reuse-values --set operator.logLevel=debug --set console.withoutToken=true
      kubectl -n ${ns} rollout status deployment/persona-operator --timeout=5m`,
      { timeoutMs: 6 * MIN },
    );
    const env = await jsonpath(
      'deployment persona-operator',
      '{.spec.template.spec.containers[0].env[?(@.name=="LOG_LEVEL")].value}',
    );
    assert.equal(env, 'debug');
    // The other value: the console now answers the API server's service proxy, in a running
    // operator, with pages whose relative links work under the proxy's path.
    let page = '';
    await waitFor('the console through the service proxy', 2 * MIN, async () => {
      page = await sh.run(serviceProxy).catch(() => '');
      return page !== '';
    });
    assert.match(page, /Viewing as a caller without a token/);
    assert.match(page, /href="\.\/ns\/[^"]+\/models\/customers"/);
    const model = await sh.run(
      `kubectl get --raw /api/v1/namespaces/${ns}/services/persona-operator:http/proxy/console/ns/${ns}/models/customers`,
    );
    assert.match(model, /customers/);
  });

  await step('helm uninstall and CRD removal leave nothing of ours', async () => {
    await sh.run(
      `kubectl -n ${ns} delete pm --all --wait=true --timeout=3m
      kubectl -n ${ns} delete dm --all --wait=true --timeout=3m
      helm uninstall persona-operator --namespace ${ns} --wait
      kubectl delete crd personamodels.personas.dtc.dev driftmonitors.personas.dtc.dev
      kubectl delete namespace ${ns} --timeout=5m`,
      { timeoutMs: 12 * MIN },
    );
    const left = await sh.run(
      `kubectl get all,cm,secret,pvc,sa,role,rolebinding,lease -A -l app.kubernetes.io/instance=persona-operator -o name
      kubectl get clusterrole,clusterrolebinding -o name | grep persona || true
      kubectl get pv -o jsonpath='{range .items[*]}{.spec.claimRef.namespace}{"\\n"}{end}' | grep ${ns} || true`,
    );
    assert.equal(left.trim(), '', `objects left behind:\n${left}`);
  });
});
