// The build users run, for the benches: the bundle built from this checkout into dist/ (inside
// the repository, so it finds its packages in node_modules), started as the image's entry point.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Bundle {
  dir: string;
  /** dist/persona.mjs */
  file: string;
  /** Node.js arguments that run it as the image does (before the CLI's own arguments). */
  entry: string[];
}

export function buildBundle(): Bundle {
  const dir = join(ROOT, 'dist');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), dir], { stdio: 'ignore' });
  const file = join(dir, 'persona.mjs');
  return { dir, file, entry: ['--enable-source-maps', file] };
}
