// Where the kind assets live: next to the control-plane binaries, outside the clone, so a
// new checkout (or CI's fresh clone) on the same machine reuses them.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function kindCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'persona-operator', 'kind');
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const kindFilesRoot = join(repoRoot, 'kind');
