// The kind node image. `kind build node-image` does not fit an offline machine: it pulls
// the base image, CoreDNS, etcd, pause, kindnetd and local-path-provisioner from registries.
// So the image is assembled here in kind's own way: kind/node/Dockerfile over a debootstrap
// root, kind's base files (entrypoint, systemd units) from the kind module we build the CLI
// from, then every image the cluster needs imported into the node's containerd and committed.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { boundedRuntimePath, docker, run, stream, type Log } from './docker.ts';
import { imageLabel, INPUTS_LABEL } from './images.ts';
import { kindCacheRoot, kindFilesRoot } from './paths.ts';
import { ensureRootfs, type RootfsSpec } from './rootfs.ts';

export const nodeRootfs: RootfsSpec = {
  name: 'node',
  packages: [
    'bash',
    'ca-certificates',
    'conntrack',
    'containerd',
    'containernetworking-plugins',
    'curl',
    'dbus',
    'e2fsprogs',
    'ethtool',
    'iproute2',
    'iptables',
    'jq',
    'kmod',
    'libseccomp2',
    'mount',
    'nftables',
    'pigz',
    'procps',
    'runc',
    'socat',
    'systemd',
    'util-linux',
  ],
};

export function nodeImageName(kubernetesVersion: string): string {
  return `persona-kind/node:${kubernetesVersion}`;
}

/** Files of a folder, recursively, with size and mtime: what decides a rebuild. */
function treeKey(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) out.push(...treeKey(path));
    else out.push(`${path}:${st.size}:${st.mtimeMs}`);
  }
  return out;
}

export interface NodeImageInputs {
  kubernetesVersion: string;
  /** kind's images/base/files from the kind module in the Go module cache. */
  kindBaseFiles: string;
  kubelet: string;
  kubeadm: string;
  kubectl: string;
  /** Images to preload into the node's containerd. */
  preload: string[];
}

export async function ensureNodeImage(inputs: NodeImageInputs, log: Log): Promise<string> {
  const tag = nodeImageName(inputs.kubernetesVersion);
  const rootfsTar = await ensureRootfs(nodeRootfs, log);
  const preloadIds = (await docker(['image', 'inspect', '--format', '{{.Id}}', ...inputs.preload])).trim();
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        basename(rootfsTar),
        treeKey(join(kindFilesRoot, 'node')),
        treeKey(inputs.kindBaseFiles),
        [inputs.kubelet, inputs.kubeadm, inputs.kubectl, boundedRuntimePath].map(
          (p) => `${p}:${statSync(p).size}:${statSync(p).mtimeMs}`,
        ),
        inputs.preload,
        preloadIds,
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  if ((await imageLabel(tag)) === key) {
    log(`${tag} is up to date`);
    return tag;
  }

  const rootfsImage = `persona-kind/node-rootfs:${basename(rootfsTar, '.tar')}`;
  if ((await imageLabel(rootfsImage)) !== basename(rootfsTar)) {
    log(`docker import ${rootfsImage}`);
    await docker([
      'import',
      '--change',
      `LABEL ${INPUTS_LABEL}=${basename(rootfsTar)}`,
      rootfsTar,
      rootfsImage,
    ]);
  }

  const context = mkdtempSync(join(tmpdir(), 'persona-kind-node-'));
  const stage = `persona-kind/node-stage:${inputs.kubernetesVersion}`;
  try {
    cpSync(inputs.kindBaseFiles, join(context, 'kind-base'), { recursive: true, dereference: true });
    // kind's LICENSES folder and README files are documentation for its own image build.
    rmSync(join(context, 'kind-base', 'LICENSES'), { recursive: true, force: true });
    cpSync(join(kindFilesRoot, 'node'), join(context, 'node'), { recursive: true });
    rmSync(join(context, 'node', 'Dockerfile'));
    mkdirSync(join(context, 'bin'));
    for (const bin of [inputs.kubelet, inputs.kubeadm, inputs.kubectl]) {
      cpSync(bin, join(context, 'bin', basename(bin)));
    }
    cpSync(boundedRuntimePath, join(context, 'runc-bounded'));
    log(`docker build ${stage}`);
    await run(
      'docker',
      [
        'build',
        '-q',
        '-f',
        join(kindFilesRoot, 'node', 'Dockerfile'),
        '--build-arg',
        `ROOTFS=${rootfsImage}`,
        '--build-arg',
        `KUBERNETES_VERSION=${inputs.kubernetesVersion}`,
        '-t',
        stage,
        context,
      ],
      { env: { ...process.env, DOCKER_BUILDKIT: '0' } },
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }

  await preload(stage, tag, key, inputs.preload, log);
  await docker(['image', 'rm', stage]).catch(() => undefined);
  return tag;
}

// As `kind build node-image` does: run containerd in a throwaway container of the staged
// image, import the images without unpacking (kubelet unpacks on first use), and commit.
async function preload(stage: string, tag: string, key: string, names: string[], log: Log): Promise<void> {
  const container = `persona-kind-preload-${process.pid}`;
  const archive = join(kindCacheRoot(), `preload-${process.pid}.tar`);
  mkdirSync(kindCacheRoot(), { recursive: true });
  try {
    await docker(['run', '-d', '--name', container, '--entrypoint=sleep', stage, 'infinity']);
    await docker(['exec', container, 'sh', '-c', 'nohup containerd >/tmp/containerd.log 2>&1 &']);
    for (let i = 0; i < 60; i++) {
      try {
        await docker(['exec', container, 'ctr', 'version']);
        break;
      } catch (err) {
        if (i === 59) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    log(`preloading ${names.length} images into ${tag}`);
    await docker(['save', '-o', archive, ...names]);
    await docker(['cp', archive, `${container}:/preload.tar`]);
    await stream(
      'docker',
      [
        'exec',
        container,
        'ctr',
        '--namespace=k8s.io',
        'images',
        'import',
        '--no-unpack',
        '--all-platforms',
        '--digests',
        '/preload.tar',
      ],
      () => undefined,
    );
    // Pinned, as kind pins its preloaded images, so kubelet's image GC never removes them.
    await docker([
      'exec',
      container,
      'sh',
      '-c',
      'for i in $(ctr -n k8s.io images ls -q); do ctr -n k8s.io images label "$i" io.cri-containerd.pinned=pinned >/dev/null; done',
    ]);
    await docker(['exec', container, 'sh', '-c', 'pkill containerd; rm -f /preload.tar /tmp/containerd.log']);
    await new Promise((r) => setTimeout(r, 1000));
    await docker([
      'commit',
      '--change',
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
      '--change',
      'CMD []',
      '--change',
      `LABEL ${INPUTS_LABEL}=${key}`,
      container,
      tag,
    ]);
  } finally {
    rmSync(archive, { force: true });
    await docker(['rm', '-f', '-v', container]).catch(() => undefined);
  }
}
