// A real Kubernetes control plane from binaries, in the manner of controller-runtime's
// envtest (etcd + kube-apiserver on a secure port with RBAC), plus the controller
// manager with every controller and the scheduler, so Jobs, Deployments, garbage
// collection and EndpointSlices behave as in a cluster. Random ports, one temp
// folder, nothing left behind.
import { openSync, closeSync, readFileSync, mkdirSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { requireAssets, type AssetPaths } from './assets.ts';
import { generatePki, type Pki } from './pki.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { freePort } from './ports.ts';
import { Supervisor, type ManagedProcess } from './processes.ts';

export interface ControlPlaneOptions {
  /** Milliseconds to wait for each component to become healthy (default 60 s). */
  startTimeoutMs?: number;
  /** Extra kube-apiserver flags, e.g. `--feature-gates=...`. */
  apiServerFlags?: string[];
  /** Log progress lines (default: silent). */
  log?: (line: string) => void;
  /**
   * Wait until kube-controller-manager's controllers are running (default true): its
   * health endpoint answers before they start, and Jobs or Deployments created in that
   * gap sit untouched for seconds, which would distort latency measurements.
   */
  waitForControllers?: boolean;
}

export interface ControlPlane {
  /** Admin kubeconfig (system:masters client certificate) on disk. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin client configuration. */
  kubeConfig: KubeConfig;
  /** The cluster CA certificate (PEM). */
  caPem: string;
  /** How long start-up took, in milliseconds. */
  startupMs: number;
  /** The temp folder holding data, certificates and logs (removed by stop()). */
  dir: string;
  stop(): Promise<void>;
  /** Stops and starts kube-apiserver on the same port and data (clients see a dropped connection). */
  restartApiServer(): Promise<void>;
  /** A kubeconfig authenticating as the ServiceAccount (TokenRequest token, 1 h). */
  serviceAccountKubeconfig(namespace: string, serviceAccount: string): Promise<string>;
  /** Creates a namespace (if missing) with its `default` ServiceAccount, so pods can be created at once. */
  createNamespace(name: string): Promise<void>;
  /** The tail of every component's log, for failing tests to print. */
  logs(): string;
}

// Room for a Service per model of bench:scale's thousand (a /24 ran out at 253).
const SERVICE_CIDR = '10.0.0.0/16';
const SERVICE_IP = '10.0.0.1';
const LOG_TAIL_BYTES = 24 * 1024;

interface Probe {
  url: string;
  cert?: string;
  key?: string;
  ca?: string;
}

function get(probe: Probe): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(probe.url);
    const options = {
      timeout: 2000,
      // kcm and the scheduler serve self-signed certificates; only their health is read.
      rejectUnauthorized: probe.ca !== undefined,
      ca: probe.ca,
      cert: probe.cert,
      key: probe.key,
    };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

function tail(path: string): string {
  try {
    const size = statSync(path).size;
    const text = readFileSync(path, 'utf8');
    return size > LOG_TAIL_BYTES ? '…' + text.slice(-LOG_TAIL_BYTES) : text;
  } catch {
    return '(no log)';
  }
}

async function waitHealthy(
  name: string,
  proc: ManagedProcess,
  probe: Probe,
  timeoutMs: number,
  logPath: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const exit = proc.exitInfo();
    if (exit) {
      throw new Error(
        `${name} exited during start-up (code ${exit.code}, signal ${exit.signal}); log tail:\n${tail(logPath)}`,
      );
    }
    try {
      const res = await get(probe);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 2000)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${name} not healthy after ${timeoutMs} ms (${probe.url}: ${last}); log tail:\n${tail(logPath)}`,
  );
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const assets: AssetPaths = requireAssets([
    'etcd',
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
  ]);
  const sup = new Supervisor('persona-cp');
  try {
    return await boot(sup, assets, opts, log, timeoutMs, started);
  } catch (err) {
    await sup.stop(2000);
    throw err;
  }
}

async function boot(
  sup: Supervisor,
  assets: AssetPaths,
  opts: ControlPlaneOptions,
  log: (line: string) => void,
  timeoutMs: number,
  started: number,
): Promise<ControlPlane> {
  const dir = sup.dir;
  const path = (...p: string[]): string => join(dir, ...p);
  for (const d of ['etcd', 'pki', 'logs', 'kcm', 'scheduler', 'apiserver'])
    mkdirSync(path(d), { mode: 0o700 });
  const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, pki] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    generatePki(path('pki'), SERVICE_IP),
  ]);
  const server = `https://127.0.0.1:${apiPort}`;
  const caPem = readFileSync(pki.caCert, 'utf8');
  const kubeconfigPath = writeKubeconfig(path('admin.kubeconfig'), server, caPem, 'persona-admin', {
    clientCertificate: readFileSync(pki.adminCert, 'utf8'),
    clientKey: readFileSync(pki.adminKey, 'utf8'),
  });
  const logPath = (name: string): string => path('logs', `${name}.log`);
  const launch = (name: string, file: string, args: string[]): ManagedProcess => {
    const fd = openSync(logPath(name), 'a');
    try {
      return sup.spawn(name, file, args, { stdio: ['ignore', fd, fd], cwd: dir });
    } finally {
      closeSync(fd);
    }
  };

  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const etcd = launch('etcd', assets.etcd, [
    '--name=default',
    `--data-dir=${path('etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
    `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
    // Throwaway data: fsync only costs time here.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  await waitHealthy('etcd', etcd, { url: `${etcdUrl}/health` }, timeoutMs, logPath('etcd'));
  log(`etcd ready after ${Date.now() - started} ms`);

  const apiArgs = [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${path('apiserver')}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--authorization-mode=Node,RBAC',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--allow-privileged=true',
    ...(opts.apiServerFlags ?? []),
  ];
  const apiProbe: Probe = {
    url: `${server}/readyz`,
    ca: caPem,
    cert: readFileSync(pki.adminCert, 'utf8'),
    key: readFileSync(pki.adminKey, 'utf8'),
  };
  let apiserver = launch('kube-apiserver', assets['kube-apiserver'], apiArgs);
  await waitHealthy('kube-apiserver', apiserver, apiProbe, timeoutMs, logPath('kube-apiserver'));
  log(`kube-apiserver ready after ${Date.now() - started} ms`);

  const componentArgs = (name: string, port: number): string[] => [
    `--kubeconfig=${kubeconfigPath}`,
    `--authentication-kubeconfig=${kubeconfigPath}`,
    `--authorization-kubeconfig=${kubeconfigPath}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${path(name)}`,
    // One instance only: skipping the election saves its lease wait after restarts.
    '--leader-elect=false',
    // The default client rate limit (20 QPS) spaces the controllers' start-up requests
    // about 150 ms apart; nothing else shares this API server.
    '--kube-api-qps=500',
    '--kube-api-burst=1000',
  ];
  const kcm = launch('kube-controller-manager', assets['kube-controller-manager'], [
    ...componentArgs('kcm', kcmPort),
    '--controllers=*',
    // Each controller acts as its own ServiceAccount, as in kubeadm clusters, so RBAC is exercised.
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
  ]);
  const scheduler = launch('kube-scheduler', assets['kube-scheduler'], componentArgs('scheduler', schedPort));
  await Promise.all([
    waitHealthy(
      'kube-controller-manager',
      kcm,
      { url: `https://127.0.0.1:${kcmPort}/healthz` },
      timeoutMs,
      logPath('kube-controller-manager'),
    ),
    waitHealthy(
      'kube-scheduler',
      scheduler,
      { url: `https://127.0.0.1:${schedPort}/healthz` },
      timeoutMs,
      logPath('kube-scheduler'),
    ),
  ]);

  log(`kube-controller-manager and kube-scheduler healthy after ${Date.now() - started} ms`);

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);

  // Pods are refused until their namespace's `default` ServiceAccount exists. The
  // serviceaccount controller makes it some seconds after start-up; creating the same
  // object ourselves (the controller accepts an existing one) saves that wait.
  const ensureDefaultServiceAccount = async (namespace: string): Promise<void> => {
    try {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  };
  await ensureDefaultServiceAccount('default');
  if (opts.waitForControllers ?? true) {
    // The root CA publisher writes this ConfigMap once controllers and their informers run.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' });
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 404 || Date.now() > deadline) {
          throw new Error(
            `kube-controller-manager's controllers did not start: ${(err as Error).message}; log tail:\n` +
              tail(logPath('kube-controller-manager')),
          );
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`controllers running after ${Date.now() - started} ms`);
  }
  const startupMs = Date.now() - started;
  log(`control plane ready after ${startupMs} ms (${server})`);

  return {
    kubeconfigPath,
    server,
    kubeConfig,
    caPem,
    startupMs,
    dir,
    stop: async () => {
      // Clients first, etcd last: an API server whose storage vanished drags out its shutdown.
      const t0 = Date.now();
      await Promise.all([kcm.stop(5000), scheduler.stop(5000)]);
      await apiserver.stop(5000);
      await etcd.stop(5000);
      await sup.stop(1000);
      log(`control plane stopped in ${Date.now() - t0} ms`);
    },
    restartApiServer: async () => {
      await apiserver.stop(5000);
      apiserver = launch('kube-apiserver', assets['kube-apiserver'], apiArgs);
      await waitHealthy('kube-apiserver', apiserver, apiProbe, timeoutMs, logPath('kube-apiserver'));
    },
    serviceAccountKubeconfig: async (namespace, serviceAccount) => {
      const res = await core.createNamespacedServiceAccountToken({
        name: serviceAccount,
        namespace,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      });
      const token = res.status?.token;
      if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      return writeKubeconfig(
        path(`sa-${namespace}-${serviceAccount}.kubeconfig`),
        server,
        caPem,
        `system:serviceaccount:${namespace}:${serviceAccount}`,
        { token },
        namespace,
      );
    },
    createNamespace: async (name) => {
      try {
        await core.createNamespace({ body: { metadata: { name } } });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
      await ensureDefaultServiceAccount(name);
    },
    logs: () =>
      ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']
        .map((n) => `===== ${n} =====\n${tail(logPath(n))}`)
        .join('\n'),
  };
}

export type { Pki };
