// The import graph of our own sources: no cycles anywhere, and each workspace imports only
// the workspaces below it (core < registry < jobs, predictor < operator < cli). Tests,
// scripts and benchmarks may reach across layers but must not form cycles either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Lowest first; a workspace's sources may import only workspaces of a lower rank. */
const LAYERS: Record<string, number> = { core: 0, registry: 1, jobs: 2, predictor: 2, operator: 3, cli: 4 };
const SOURCE = /\.(ts|mts|js|mjs)$/;
const SKIP = new Set(['node_modules', 'dist', 'fixtures', '.cache', 'coverage']);

const workspaces: string[] = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }
).workspaces;

function collect(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...collect(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const rel = (path: string): string => relative(root, path).split(sep).join('/');

/** The file an import names, or undefined for a third-party or built-in module. */
function resolveImport(from: string, specifier: string): string | undefined {
  let target: string;
  if (specifier.startsWith('.')) target = resolve(dirname(from), specifier);
  else {
    const m = /^@persona-operator\/([^/]+)(?:\/(.+))?$/.exec(specifier);
    if (!m) return undefined;
    target = join(root, m[1], 'src', m[2] ?? 'index');
  }
  for (const candidate of [target, `${target}.ts`, join(target, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${rel(from)}: cannot resolve ${specifier}`);
}

/** Static imports, re-exports and dynamic imports with a literal specifier, type-only ones included. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

const files = [...workspaces, 'test', 'scripts', 'bench'].flatMap((dir) => collect(join(root, dir)));
const graph = new Map<string, string[]>();
for (const file of files) {
  const targets = importsOf(file)
    .map((s) => resolveImport(file, s))
    .filter((t): t is string => t !== undefined);
  graph.set(rel(file), [...new Set(targets.map(rel))]);
}

/** The workspace whose layered sources hold `file` (its src/ or bin/), if any. */
function layerOf(file: string): string | undefined {
  const [ws, part] = file.split('/');
  return workspaces.includes(ws) && (part === 'src' || part === 'bin') ? ws : undefined;
}

test('every workspace has a layer', () => {
  assert.deepEqual(
    workspaces.filter((ws) => LAYERS[ws] === undefined),
    [],
    'add the new workspace to LAYERS',
  );
});

test('a workspace imports only the workspaces below it', () => {
  const violations: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    if (!from) continue;
    for (const target of targets) {
      const to = target.split('/')[0];
      if (to === from) continue;
      if (!workspaces.includes(to) || LAYERS[to] >= LAYERS[from]) {
        const allowed = workspaces.filter((ws) => LAYERS[ws] < LAYERS[from]);
        violations.push(
          `${file} -> ${target} (${from} may import only ${allowed.join(', ') || 'no workspace'})`,
        );
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('no import cycles', () => {
  // Tarjan's strongly connected components; each component of more than one file (or a file
  // importing itself) is a cycle, reported as one chain through it.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  assert.deepEqual(components.map(cycleThrough), []);
});

/** One chain a -> b -> ... -> a inside a strongly connected component. */
function cycleThrough(component: string[]): string {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const chain = [v];
        while (chain[0] !== start) chain.unshift(previous.get(chain[0])!);
        return [...chain, start].join(' -> ');
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}
