#!/usr/bin/env node
// Bundles the `persona` CLI (every entry point) into one ESM file for container images:
// our own workspaces are inlined, third-party packages stay external and come from
// node_modules, so the image runs without a TypeScript compiler or a writable cache.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = resolve(root, process.argv[2] ?? 'dist');
const workspaces = ['cli', 'core', 'registry', 'jobs', 'operator', 'predictor'];
const external = new Set();
for (const dir of ['.', ...workspaces]) {
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  for (const name of Object.keys(pkg.dependencies ?? {})) external.add(name);
}
for (const ws of workspaces) external.delete(`@persona-operator/${ws}`);

const started = Date.now();
await build({
  stdin: {
    contents:
      "import { main } from './cli/src/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    resolveDir: root,
    sourcefile: 'persona-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: join(outDir, 'persona.mjs'),
  external: [...external].flatMap((name) => [name, `${name}/*`]),
  sourcemap: true,
  // Bundled ESM still needs `require` for the few CommonJS paths esbuild emits.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
console.log(`bundled persona CLI into ${join(outDir, 'persona.mjs')} in ${Date.now() - started} ms`);
