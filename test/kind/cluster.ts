// A kind cluster from the repository's kind-config.yaml plus a test-only patch, on the
// images `ensureKindAssets` built. The patch moves every address kind would take from a
// private range (Docker network 172.18/16, pods 10.244/16, Services 10.96/12) into
// 198.19.0.0/16, so test traffic only ever reaches namespaces this run made: the kind test
// runs in the machine's own network namespace (dockerd's bridges and the API server port
// published on 127.0.0.1 live there), not in the per-run namespace of the fast tests, whose
// AnyIP route covers 198.18.0.0/15.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { docker, run, stopDockerStartedHere, stream, type Log } from './docker.ts';
import { kindCacheRoot, repoRoot } from './paths.ts';

/** The Docker network the nodes join (kind's own "kind" network is left to the user). */
export const KIND_NETWORK = 'persona-kind';
export const NODE_SUBNET = '198.19.0.0/24';
export const POD_SUBNET = '198.19.128.0/17';
export const SERVICE_SUBNET = '198.19.16.0/20';

export interface KindCluster {
  name: string;
  kubeconfig: string;
}

export function clusterName(configPath = join(repoRoot, 'kind-config.yaml')): string {
  const config = yaml.load(readFileSync(configPath, 'utf8')) as { name?: string };
  return config.name ?? 'kind';
}

/** The user's kind-config.yaml with this machine's test-only addresses merged in. */
export function testConfig(configPath = join(repoRoot, 'kind-config.yaml')): string {
  const config = yaml.load(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const networking = (config.networking ?? {}) as Record<string, unknown>;
  config.networking = { ...networking, podSubnet: POD_SUBNET, serviceSubnet: SERVICE_SUBNET };
  return yaml.dump(config);
}

export function kindEnv(): NodeJS.ProcessEnv {
  return { ...process.env, KIND_EXPERIMENTAL_DOCKER_NETWORK: KIND_NETWORK };
}

async function ensureNetwork(log: Log): Promise<void> {
  try {
    const subnet = (
      await docker([
        'network',
        'inspect',
        '--format',
        '{{range .IPAM.Config}}{{.Subnet}} {{end}}',
        KIND_NETWORK,
      ])
    ).trim();
    if (subnet !== NODE_SUBNET) {
      throw new Error(
        `Docker network ${KIND_NETWORK} has subnet ${subnet}, expected ${NODE_SUBNET}: ` +
          `remove it (\`docker network rm ${KIND_NETWORK}\`) and retry`,
      );
    }
  } catch (err) {
    if (!/No such network|not found/i.test((err as Error).message)) throw err;
    log(`creating Docker network ${KIND_NETWORK} (${NODE_SUBNET})`);
    await docker([
      'network',
      'create',
      '--driver=bridge',
      `--subnet=${NODE_SUBNET}`,
      '--opt',
      // No NAT to the outside: nothing in the cluster needs to leave this machine.
      'com.docker.network.bridge.enable_ip_masquerade=false',
      KIND_NETWORK,
    ]);
  }
}

// kind's own advice for "too many open files" in nodes: every node runs systemd, containerd
// and kubelet, each with inotify instances, and 128 per user (a common default) runs out.
function raiseInotifyLimits(log: Log): void {
  const path = '/proc/sys/fs/inotify/max_user_instances';
  try {
    if (Number(readFileSync(path, 'utf8')) >= 512) return;
    writeFileSync(path, '512');
    log('raised fs.inotify.max_user_instances to 512 for the kind nodes');
  } catch {
    log(
      'fs.inotify.max_user_instances is below 512 and cannot be raised here; nodes may fail with "too many open files"',
    );
  }
}

export function kubeconfigPath(name: string): string {
  return join(kindCacheRoot(), `${name}.kubeconfig`);
}

export async function clusterExists(kind: string, name: string): Promise<boolean> {
  const out = await run(kind, ['get', 'clusters'], { env: kindEnv() });
  return out.split('\n').includes(name);
}

/** Creates the cluster (or reuses one of the same name) and returns its kubeconfig. */
export async function createCluster(
  kind: string,
  nodeImage: string,
  log: Log,
  configPath = join(repoRoot, 'kind-config.yaml'),
): Promise<KindCluster> {
  const name = clusterName(configPath);
  const kubeconfig = kubeconfigPath(name);
  mkdirSync(kindCacheRoot(), { recursive: true });
  if ((await clusterExists(kind, name)) && existsSync(kubeconfig)) {
    log(`cluster ${name} already exists`);
    return { name, kubeconfig };
  }
  await ensureNetwork(log);
  raiseInotifyLimits(log);
  const patched = join(kindCacheRoot(), `${name}.kind-config.yaml`);
  writeFileSync(patched, testConfig(configPath));
  await stream(
    kind,
    [
      'create',
      'cluster',
      '--config',
      patched,
      '--image',
      nodeImage,
      '--kubeconfig',
      kubeconfig,
      '--wait',
      '5m',
    ],
    (line) => log(`  ${line.trim()}`),
    { env: kindEnv() },
  );
  return { name, kubeconfig };
}

/** Deletes the cluster and its network, then stops dockerd if `ensureDocker` started it. */
export async function deleteCluster(kind: string, name: string, log: Log): Promise<void> {
  await stream(kind, ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfigPath(name)], log, {
    env: kindEnv(),
  });
  await docker(['network', 'rm', KIND_NETWORK]).catch(() => undefined);
  await stopDockerStartedHere(log);
}
