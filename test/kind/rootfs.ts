// Debian root filesystems for the kind images, made with debootstrap from Debian's own
// packages (no registry involved) and cached as tarballs keyed by suite and package list.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stream, type Log } from './docker.ts';
import { kindCacheRoot } from './paths.ts';

export const DEBIAN_SUITE = 'bookworm';

export interface RootfsSpec {
  name: string;
  packages: string[];
  /** Shell run inside the finished root (chroot) before it is packed. */
  finish?: string;
}

function mirror(): string {
  return process.env.DEBIAN_MIRROR || 'http://deb.debian.org/debian';
}

export function rootfsTarball(spec: RootfsSpec): string {
  const key = createHash('sha256')
    .update(JSON.stringify([DEBIAN_SUITE, spec.packages, spec.finish ?? '']))
    .digest('hex')
    .slice(0, 12);
  return join(kindCacheRoot(), 'rootfs', `${spec.name}-${DEBIAN_SUITE}-${key}.tar`);
}

export function requireDebootstrap(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('building the kind images needs root (debootstrap and chroot): run it as root');
  }
  try {
    execFileSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'pipe' });
  } catch {
    throw new Error('debootstrap is not installed: `apt-get install debootstrap`');
  }
}

/** Returns the cached tarball of `spec`, running debootstrap first when there is none. */
export async function ensureRootfs(spec: RootfsSpec, log: Log): Promise<string> {
  const tarball = rootfsTarball(spec);
  if (existsSync(tarball)) return tarball;
  requireDebootstrap();
  const work = `${tarball}.partial-${process.pid}`;
  const dir = join(work, 'root');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const debs = join(kindCacheRoot(), 'debs');
  mkdirSync(debs, { recursive: true });
  log(`debootstrap ${DEBIAN_SUITE} (${spec.name}: ${spec.packages.length} extra packages) from ${mirror()}`);
  const quiet = (line: string): void => {
    if (/^I: (Retrieving Release|Validating Packages|Configuring |Base system installed)/.test(line)) {
      log(`  ${spec.name}: ${line.slice(3)}`);
    }
  };
  try {
    await stream(
      'debootstrap',
      [
        '--variant=minbase',
        `--cache-dir=${debs}`,
        `--include=${spec.packages.join(',')}`,
        DEBIAN_SUITE,
        dir,
        mirror(),
      ],
      quiet,
    );
    execFileSync('chroot', [dir, 'sh', '-c', 'apt-get clean && rm -rf /var/lib/apt/lists/*'], {
      stdio: 'pipe',
    });
    if (spec.finish) execFileSync('chroot', [dir, 'sh', '-euc', spec.finish], { stdio: 'pipe' });
    await stream('tar', ['--numeric-owner', '-C', dir, '-cf', `${work}/root.tar`, '.'], log);
    renameSync(`${work}/root.tar`, tarball);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tarball;
}
