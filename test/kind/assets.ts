// Everything a kind cluster needs, built on this machine and cached: the kind CLI and the
// node's binaries (Go module proxy), the Debian roots (debootstrap), the component images and
// the node image with all of them preloaded. Each step logs its time; a warm run only checks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureAssets,
  ensureKindBinaries,
  formatDuration,
  kindVersion,
  kubernetesVersion,
  type KindBinaryName,
} from '../cluster/assets.ts';
import { ensureDocker, run, type Log } from './docker.ts';
import {
  allImageNames,
  derivedImages,
  ensureDerivedImage,
  ensureNodeJsImage,
  ensureToolsImage,
  kubeadmImages,
  nodeDistribution,
  toolsRootfs,
  type KubeImages,
} from './images.ts';
import { ensureNodeImage, nodeRootfs } from './node-image.ts';
import { ensureRootfs, requireDebootstrap, rootfsTarball } from './rootfs.ts';

export interface KindAssets {
  kubernetesVersion: string;
  binaries: Record<KindBinaryName, string>;
  nodeImage: string;
  kubeImages: KubeImages;
}

async function timed<T>(log: Log, what: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  log(`${what}: ${formatDuration(Date.now() - started)}`);
  return result;
}

/** Where kind's base-image files are: in the kind module the CLI is built from. */
async function kindBaseFiles(): Promise<string> {
  const module = `sigs.k8s.io/kind@${kindVersion()}`;
  const dir = (JSON.parse(await run('go', ['mod', 'download', '-json', module])) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go mod download ${module} gave no folder`);
  return join(dir, 'images', 'base', 'files');
}

export async function ensureKindAssets(log: Log = (l) => console.log(l)): Promise<KindAssets> {
  const started = Date.now();
  const version = kubernetesVersion();
  // The downloads (debootstrap's packages, Node.js) wait on the network and the disk while
  // the Go builds keep both cores busy, so they run beside them. The two debootstraps run one
  // after the other because they share one package cache folder.
  // Checked now, not after an hour of Go builds.
  if (![toolsRootfs, nodeRootfs].every((spec) => existsSync(rootfsTarball(spec)))) requireDebootstrap();
  const downloads = timed(log, 'Debian roots and Node.js (beside the Go builds)', async () => {
    await ensureRootfs(toolsRootfs, log);
    await ensureRootfs(nodeRootfs, log);
    await nodeDistribution(log);
  });
  downloads.catch(() => undefined); // awaited below; this only keeps an early failure from being unhandled
  const controlPlane = await timed(log, 'control-plane binaries', () => ensureAssets(log));
  const binaries = await timed(log, 'kind and node binaries', () => ensureKindBinaries(log));
  await timed(log, 'docker daemon', () => ensureDocker(log));
  await downloads;
  await timed(log, 'Debian tools image', () => ensureToolsImage(log));
  const kubeImages = await kubeadmImages(binaries.kubeadm, version);
  await timed(log, 'component images', async () => {
    const bins = {
      'kube-apiserver': controlPlane['kube-apiserver'],
      'kube-controller-manager': controlPlane['kube-controller-manager'],
      'kube-scheduler': controlPlane['kube-scheduler'],
      etcd: controlPlane.etcd,
      'kube-proxy': binaries['kube-proxy'],
      coredns: binaries.coredns,
      kubectl: binaries.kubectl,
      'local-path-provisioner': binaries['local-path-provisioner'],
    };
    for (const image of derivedImages(kubeImages, bins)) await ensureDerivedImage(image, log);
  });
  await timed(log, 'Node.js base image', () => ensureNodeJsImage(log));
  const nodeImage = await timed(log, 'node image', async () =>
    ensureNodeImage(
      {
        kubernetesVersion: version,
        kindBaseFiles: await kindBaseFiles(),
        kubelet: binaries.kubelet,
        kubeadm: binaries.kubeadm,
        kubectl: binaries.kubectl,
        preload: allImageNames(kubeImages),
      },
      log,
    ),
  );
  log(`kind assets ready in ${formatDuration(Date.now() - started)}: node image ${nodeImage}`);
  return { kubernetesVersion: version, binaries, nodeImage, kubeImages };
}
