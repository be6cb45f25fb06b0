// Where the control-plane binaries come from: per-binary variables, then an envtest
// folder (KUBEBUILDER_ASSETS), then our own per-version build cache. Building lives
// here too so `npm run cluster:assets` and the harness agree on every path.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'helm';

/** Binaries that only the kind node image and the kind CLI need. */
export type KindBinaryName =
  'kind' | 'kubelet' | 'kubeadm' | 'kubectl' | 'kube-proxy' | 'coredns' | 'local-path-provisioner';

export type AssetPaths = Record<BinaryName, string>;

interface Component<Name extends string = string> {
  /** Folder name under test/cluster/assets holding the wrapper go.mod. */
  module: string;
  /** Cache folder prefix when it differs from `module` (two builds of one wrapper module). */
  cacheName?: string;
  /** The module whose version names the cache folder. */
  versionOf: string;
  binaries: { name: Name; pkg: string }[];
  ldflags(version: string, moduleDir: string): string[];
}

const assetsRoot = fileURLToPath(new URL('./assets/', import.meta.url));

/** Per-binary overrides, named after envtest's TEST_ASSET_* convention. */
const envVarFor: Record<BinaryName, string> = {
  etcd: 'TEST_ASSET_ETCD',
  'kube-apiserver': 'TEST_ASSET_KUBE_APISERVER',
  'kube-controller-manager': 'TEST_ASSET_KUBE_CONTROLLER_MANAGER',
  'kube-scheduler': 'TEST_ASSET_KUBE_SCHEDULER',
  helm: 'TEST_ASSET_HELM',
};

// Without these ldflags the binaries report v0.0.0 on /version, which breaks
// clients (helm, kubectl skew checks) that read the server version.
function kubeVersionFlags(version: string): string[] {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const flags: string[] = [];
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    flags.push(
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
      `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
    );
  }
  return flags;
}

export const components: Component<BinaryName>[] = [
  {
    module: 'k8s',
    versionOf: 'k8s.io/kubernetes',
    binaries: [
      { name: 'kube-apiserver', pkg: 'k8s.io/kubernetes/cmd/kube-apiserver' },
      { name: 'kube-controller-manager', pkg: 'k8s.io/kubernetes/cmd/kube-controller-manager' },
      { name: 'kube-scheduler', pkg: 'k8s.io/kubernetes/cmd/kube-scheduler' },
    ],
    ldflags: (version) => kubeVersionFlags(version),
  },
  {
    module: 'etcd',
    versionOf: 'go.etcd.io/etcd/server/v3',
    binaries: [{ name: 'etcd', pkg: '.' }],
    ldflags: () => [],
  },
  {
    module: 'helm',
    versionOf: 'helm.sh/helm/v3',
    binaries: [{ name: 'helm', pkg: 'helm.sh/helm/v3/cmd/helm' }],
    // Helm v3 bakes the Kubernetes version it assumes for `helm template` into
    // chartutil; upstream's Makefile derives it from the client-go it links.
    ldflags: (version, moduleDir) => {
      const clientGo = requiredVersion(moduleDir, 'k8s.io/client-go');
      const minor = clientGo.replace(/^v/, '').split('.')[1];
      return [
        `-X helm.sh/helm/v3/internal/version.version=${version}`,
        `-X helm.sh/helm/v3/internal/version.gitTreeState=clean`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${minor}`,
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1`,
        `-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=${minor}`,
      ];
    },
  },
];

/**
 * What the kind node image and the kind CLI are built from: the node's Kubernetes binaries
 * share the control plane's wrapper module (and so its Go build cache), the rest are
 * pinned releases from the module proxy. Kept apart from `components` so the fast tests
 * never wait for them.
 */
export const kindComponents: Component<KindBinaryName>[] = [
  {
    module: 'kind',
    versionOf: 'sigs.k8s.io/kind',
    binaries: [{ name: 'kind', pkg: 'sigs.k8s.io/kind' }],
    ldflags: () => [],
  },
  {
    module: 'local-path-provisioner',
    versionOf: 'github.com/rancher/local-path-provisioner',
    binaries: [{ name: 'local-path-provisioner', pkg: 'github.com/rancher/local-path-provisioner' }],
    ldflags: () => [],
  },
  {
    module: 'coredns',
    versionOf: 'github.com/coredns/coredns',
    // Our own main with the plugins a kind Corefile uses (see its main.go).
    binaries: [{ name: 'coredns', pkg: '.' }],
    ldflags: () => [],
  },
  {
    module: 'k8s',
    cacheName: 'k8s-node',
    versionOf: 'k8s.io/kubernetes',
    binaries: [
      { name: 'kubelet', pkg: 'k8s.io/kubernetes/cmd/kubelet' },
      { name: 'kubeadm', pkg: 'k8s.io/kubernetes/cmd/kubeadm' },
      { name: 'kubectl', pkg: 'k8s.io/kubernetes/cmd/kubectl' },
      { name: 'kube-proxy', pkg: 'k8s.io/kubernetes/cmd/kube-proxy' },
    ],
    ldflags: (version) => kubeVersionFlags(version),
  },
];

/**
 * kwok simulates nodes and their pods for scale benchmarks (thousands of pods without
 * processes); only `bench:scale` needs it, so it is built on demand like the kind binaries.
 */
export const kwokComponent: Component<'kwok'> = {
  module: 'kwok',
  versionOf: 'sigs.k8s.io/kwok',
  binaries: [{ name: 'kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok' }],
  // What upstream's release build stamps in (`kwok --version`, the user agent).
  ldflags: (version) => [`-X sigs.k8s.io/kwok/pkg/consts.Version=${version}`],
};

/** The version of `modulePath` that the wrapper go.mod pins (require line). */
export function requiredVersion(moduleDir: string, modulePath: string): string {
  const goMod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match) throw new Error(`${join(moduleDir, 'go.mod')} does not require ${modulePath}`);
  return match[1];
}

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'persona-operator', 'cluster-assets');
}

function componentDir(c: Component): { moduleDir: string; version: string; outDir: string } {
  const moduleDir = join(assetsRoot, c.module);
  const version = requiredVersion(moduleDir, c.versionOf);
  return { moduleDir, version, outDir: join(cacheRoot(), `${c.cacheName ?? c.module}-${version}`) };
}

/** Where each kind binary is cached, whether or not it exists yet. */
export function kindBinaryPaths(): Record<KindBinaryName, string> {
  const paths = {} as Record<KindBinaryName, string>;
  for (const c of kindComponents) {
    for (const b of c.binaries) paths[b.name] = join(componentDir(c).outDir, b.name);
  }
  return paths;
}

/** The Kubernetes version the control plane and the kind node image are built at. */
export function kubernetesVersion(): string {
  return requiredVersion(join(assetsRoot, 'k8s'), 'k8s.io/kubernetes');
}

/** The kind release the CLI is built from (its module also holds kind's base-image files). */
export function kindVersion(): string {
  return requiredVersion(join(assetsRoot, 'kind'), 'sigs.k8s.io/kind');
}

/** Where each binary would be taken from, whether or not it exists yet. */
export function assetPaths(): AssetPaths {
  const paths = {} as AssetPaths;
  for (const c of components) {
    const { outDir } = componentDir(c);
    for (const b of c.binaries) {
      const fromVar = process.env[envVarFor[b.name]];
      const fromEnvtest = process.env.KUBEBUILDER_ASSETS
        ? join(process.env.KUBEBUILDER_ASSETS, b.name)
        : undefined;
      if (fromVar) paths[b.name] = fromVar;
      else if (fromEnvtest && existsSync(fromEnvtest)) paths[b.name] = fromEnvtest;
      else paths[b.name] = join(outDir, b.name);
    }
  }
  return paths;
}

export function missingAssets(paths: AssetPaths = assetPaths()): BinaryName[] {
  return (Object.keys(paths) as BinaryName[]).filter((name) => !existsSync(paths[name]));
}

/** Resolves the binaries or fails saying how to get them (never builds: that takes many minutes). */
export function requireAssets(names: BinaryName[]): AssetPaths {
  const paths = assetPaths();
  const missing = missingAssets(paths).filter((n) => names.includes(n));
  if (missing.length > 0) {
    throw new Error(
      `control-plane binaries missing: ${missing.map((n) => `${n} (looked at ${paths[n]})`).join(', ')}. ` +
        'Build them with `npm run cluster:assets` (about 15 minutes on 2 cores the first time), ' +
        'or point KUBEBUILDER_ASSETS / TEST_ASSET_<NAME> at existing binaries.',
    );
  }
  return paths;
}

export type Log = (line: string) => void;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// An O_EXCL lock file holding the owner's pid: portable, and a crashed owner's
// lock is recognised (dead pid) and taken over instead of blocking forever.
export async function withLock<T>(lockPath: string, log: Log, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lockPath, 'utf8').trim());
      if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
        rmSync(lockPath, { force: true });
        continue;
      }
      if (!announced) log(`waiting for another build (pid ${owner}, lock ${lockPath})`);
      announced = true;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

async function goBuild(c: Component, log: Log): Promise<void> {
  const { moduleDir, version, outDir } = componentDir(c);
  const tmpOut = `${outDir}.partial-${process.pid}`;
  rmSync(tmpOut, { recursive: true, force: true });
  mkdirSync(tmpOut, { recursive: true });
  const ldflags = ['-s', '-w', ...c.ldflags(version, moduleDir)].join(' ');
  const args = ['build', '-v', '-trimpath', '-buildvcs=false', '-ldflags', ldflags, '-o', tmpOut + '/'];
  args.push(...c.binaries.map((b) => b.pkg));
  const names = c.binaries.map((b) => b.name).join(', ');
  log(`building ${c.module} ${version} (${names}) in ${moduleDir}`);
  const started = Date.now();
  // CGO off: static binaries like upstream's release builds, and no C toolchain needed.
  const env = { ...process.env, CGO_ENABLED: '0' };
  const child = spawn('go', args, { cwd: moduleDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let packages = 0;
  const tail: string[] = [];
  const onLine = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      if (/^[\w.-]+(\/[\w.~+-]+)*$/.test(line)) packages++;
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on('data', onLine);
  child.stderr.on('data', onLine);
  const ticker = setInterval(
    () =>
      log(`  ${c.module}: ${packages} packages compiled, ${formatDuration(Date.now() - started)} elapsed`),
    30_000,
  );
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', (err) =>
      reject(new Error(`could not run \`go\` (${err.message}); install Go 1.25 or newer`)),
    );
    child.on('exit', (exitCode, signal) => resolve(signal ? 1 : (exitCode ?? 1)));
  }).finally(() => clearInterval(ticker));
  if (code !== 0) {
    rmSync(tmpOut, { recursive: true, force: true });
    throw new Error(`go build of ${c.module} ${version} failed (exit ${code}):\n${tail.join('\n')}`);
  }
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmpOut, outDir);
  log(`built ${c.module} ${version} in ${formatDuration(Date.now() - started)} -> ${outDir}`);
}

/** Builds every component that has a missing binary; returns the resolved paths. */
export async function ensureAssets(log: Log = (l) => console.log(l)): Promise<AssetPaths> {
  const missing = (): string[] => missingAssets();
  await buildMissing(components, missing, 'cluster assets', log);
  return assetPaths();
}

/** Where the kwok binary is cached (TEST_ASSET_KWOK overrides), whether or not it exists yet. */
export function kwokPath(): string {
  return process.env.TEST_ASSET_KWOK || join(componentDir(kwokComponent).outDir, 'kwok');
}

/** Builds kwok from the module proxy unless it is cached; returns its path. */
export async function ensureKwok(log: Log = (l) => console.log(l)): Promise<string> {
  await buildMissing([kwokComponent], () => (existsSync(kwokPath()) ? [] : ['kwok']), 'kwok', log);
  return kwokPath();
}

/** Builds the kind binaries that are not cached yet; returns their paths. */
export async function ensureKindBinaries(
  log: Log = (l) => console.log(l),
): Promise<Record<KindBinaryName, string>> {
  const missing = (): string[] =>
    Object.entries(kindBinaryPaths())
      .filter(([, path]) => !existsSync(path))
      .map(([name]) => name);
  await buildMissing(kindComponents, missing, 'kind binaries', log);
  return kindBinaryPaths();
}

async function buildMissing(
  set: Component[],
  missing: () => string[],
  what: string,
  log: Log,
): Promise<void> {
  const started = Date.now();
  const todo = (): Component[] => {
    const names = missing();
    return set.filter((c) => c.binaries.some((b) => names.includes(b.name)));
  };
  if (todo().length === 0) {
    log(`${what} present, nothing to build`);
    return;
  }
  // One lock per component: a run that needs the control plane waits only for the builds it
  // needs, not for a background build of the kind images' other components.
  for (const c of todo()) {
    const { outDir } = componentDir(c);
    await withLock(`${outDir}.lock`, log, async () => {
      // Re-checked under the lock: another run may have built it while we waited.
      if (todo().includes(c)) await goBuild(c, log);
    });
  }
  log(`${what} ready in ${formatDuration(Date.now() - started)}`);
}
