#!/usr/bin/env node
// Bundles the `persona` CLI (every entry point) into ESM for container images: persona.mjs and,
// beside it, one chunk per subcommand and per shared part, imported on demand so that
// `persona serve` does not load the operator's Kubernetes client nor the trainer (its heap at
// rest: 31 MB instead of 74); also beside it the worker-thread entry points (k-means restarts, drift statistics) that the
// bundle finds through its own import.meta.url (core/src/workers/entry.ts). Our own
// workspaces are inlined, third-party packages stay external and come from node_modules,
// so the image runs without a TypeScript compiler or a writable cache.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

// Chunk names carry a content hash: drop the previous build's so they do not pile up.
const CHUNK = /-[A-Z0-9]{8}\.mjs(\.map)?$/;
for (const f of existsSync(outDir) ? readdirSync(outDir, { withFileTypes: true }) : []) {
  if (f.isFile() && CHUNK.test(f.name)) rmSync(join(outDir, f.name));
}

const started = Date.now();
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: [...external].flatMap((name) => [name, `${name}/*`]),
  sourcemap: true,
  // Bundled ESM still needs `require` for the few CommonJS paths esbuild emits.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
};
// File names are the `bundled` half of each WorkerEntry in core/src.
const workers = {
  'kmeans-worker': 'core/src/kmeans/restart-worker.ts',
  'drift-worker': 'core/src/drift/worker.ts',
};
await build({
  ...common,
  entryPoints: Object.fromEntries(Object.entries(workers).map(([name, src]) => [name, join(root, src)])),
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
});
await build({
  ...common,
  stdin: {
    contents:
      "import { main } from './cli/src/main.ts';\nprocess.exitCode = await main(process.argv.slice(2));\n",
    resolveDir: root,
    sourcefile: 'persona-entry.ts',
    loader: 'ts',
  },
  splitting: true,
  outdir: outDir,
  entryNames: 'persona',
  outExtension: { '.js': '.mjs' },
});
console.log(
  `bundled persona CLI into ${join(outDir, 'persona.mjs')} with ${Object.keys(workers).join(', ')} in ${Date.now() - started} ms`,
);
