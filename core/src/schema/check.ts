// Validation of documents against TypeBox schemas with Ajv, and the one translation of Ajv's
// errors into "field: problem" messages that every contract (artifact, Job specs) reports.
import { Ajv, type ErrorObject } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { withDefaults } from './defaults.ts';

/** The first problem of a document: `field` is a dotted path such as `features[1].name`. */
export interface SchemaProblem {
  field: string;
  problem: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: SchemaProblem };

// The Kubernetes extensions are annotations for the API server, not rules Ajv could run.
const ajv = new Ajv({
  strict: true,
  strictNumbers: true,
  verbose: true,
  keywords: [
    'x-kubernetes-validations',
    'x-kubernetes-int-or-string',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-preserve-unknown-fields',
  ],
});

// Named string formats, each with the problem its failure reports.
const FORMATS: Record<string, { test: (s: string) => boolean; problem: string }> = {
  'non-blank': { test: (s) => s.trim() !== '', problem: 'must not be blank' },
  'gs-object': { test: (s) => /^gs:\/\/[^/]+\/.+/.test(s), problem: 'must be gs://<bucket>/<object>' },
};
for (const [name, f] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: f.test });

/** A string with something other than white space in it. */
export const NON_BLANK = 'non-blank';

/** A value for messages: strings quoted and cut short, non-finite numbers spelled out. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.length > 40) return JSON.stringify(`${v.slice(0, 40)}...`);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  return JSON.stringify(v);
}

/** Joins path segments the way the messages name fields: `a.b[2].c`. */
export function fieldPath(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const s of segments) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type SchemaObject = Record<string, unknown> & { properties?: Record<string, SchemaObject> };

// A branch of an anyOf that failed on its own shape (a wrong type, a missing or unknown key at
// the union's level) is another variant, not the one the author meant.
function isOtherVariant(e: ErrorObject, unionPath: string): boolean {
  return e.instancePath === unionPath && ['required', 'type', 'additionalProperties'].includes(e.keyword);
}

// Picks the variant the document meant and reports its failure; failing that, says which
// variants there are. Without allErrors a branch stops at its first failure: its last error.
function unionProblem(union: ErrorObject, all: ErrorObject[], root: string): SchemaProblem {
  const branches = (union.schema as SchemaObject[]) ?? [];
  const byBranch = branches.map((_, i) =>
    all.filter((e) => e.schemaPath.startsWith(`${union.schemaPath}/${i}/`)),
  );
  const report = (errs: ErrorObject[]) => problemOf(errs[errs.length - 1], errs, root);
  const field = fieldPath(root, ...pointerSegments(union.instancePath));
  const data = union.data;
  const isObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  // A tagged union: every variant pins the same key to a constant, and the tag picks one.
  const tags = branches.map((b) => Object.entries(b.properties ?? {}).find(([, p]) => 'const' in p));
  if (isObject && tags.every((t) => t && t[0] === tags[0]?.[0])) {
    const key = tags[0]![0];
    const tag = (data as Record<string, unknown>)[key];
    const chosen = tags.findIndex((t) => t![1].const === tag);
    if (chosen >= 0) return report(byBranch[chosen]);
    const allowed = tags.map((t) => JSON.stringify(t![1].const)).join(' or ');
    return { field: fieldPath(field, key), problem: `must be ${allowed}, got ${show(tag)}` };
  }
  const meant = byBranch.filter(
    (errs) => errs.length > 0 && !errs.some((e) => isOtherVariant(e, union.instancePath)),
  );
  if (meant.length === 1) return report(meant[0]);
  const types = branches.map((b) => b.type);
  if (!isObject && types.every((t) => typeof t === 'string')) {
    return { field, problem: `must be ${types.join(' or ')}, got ${show(data)}` };
  }
  // Variants told apart by which one key they hold ({postgres} | {gcs} | ...).
  const keys = branches.map((b) => Object.keys(b.properties ?? {}));
  if (isObject && keys.every((k) => k.length === 1)) {
    const given = Object.keys(data).filter((k) => keys.flat().includes(k));
    const got = given.length ? given.join(' and ') : 'none';
    return { field, problem: `expected exactly one of ${keys.flat().join(', ')}, got ${got}` };
  }
  if (isObject && branches.every((b) => b.type === 'object')) {
    const shapes = branches.map((b) => `{${((b.required as string[] | undefined) ?? []).join(', ')}}`);
    return { field, problem: `expected ${shapes.join(' or ')}, got {${Object.keys(data).join(', ')}}` };
  }
  return { field, problem: `${union.message ?? 'is invalid'}, got ${show(data)}` };
}

function problemOf(e: ErrorObject, all: ErrorObject[], root: string): SchemaProblem {
  const path = pointerSegments(e.instancePath);
  switch (e.keyword) {
    case 'anyOf':
      return unionProblem(e, all, root);
    case 'required':
      return { field: fieldPath(root, ...path, String(e.params.missingProperty)), problem: 'is required' };
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as SchemaObject | undefined)?.properties ?? {});
      return {
        field: fieldPath(root, ...path, String(e.params.additionalProperty)),
        problem: `unknown field (allowed: ${allowed.join(', ') || 'none'})`,
      };
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { field: fieldPath(root, ...path), problem: `must be one of ${allowed}, got ${show(e.data)}` };
    }
    case 'uniqueItems': {
      const pair = [Number(e.params.i), Number(e.params.j)];
      const [earlier, later] = [Math.min(...pair), Math.max(...pair)];
      const item = (e.data as unknown[])[later];
      return {
        field: fieldPath(root, ...path, later),
        problem: `duplicate of item ${earlier} (${show(item)})`,
      };
    }
    case 'format': {
      const problem = FORMATS[String(e.params.format)]?.problem ?? e.message ?? 'is invalid';
      return { field: fieldPath(root, ...path), problem: `${problem}, got ${show(e.data)}` };
    }
    case 'const':
      return {
        field: fieldPath(root, ...path),
        problem: `must be ${JSON.stringify(e.params.allowedValue)}, got ${show(e.data)}`,
      };
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'pattern':
    case 'minLength':
    case 'maxLength':
      return {
        field: fieldPath(root, ...path),
        problem: `${e.message ?? 'is invalid'}, got ${show(e.data)}`,
      };
    default:
      return { field: fieldPath(root, ...path), problem: e.message ?? 'is invalid' };
  }
}

/**
 * A checker for `schema`: applies the schema's defaults to a copy of the document (when
 * `defaults` is set), then validates it, returning the value typed or the first problem.
 * `root` names the whole document in messages, e.g. "(artifact)".
 */
export function compileCheck<S extends TSchema>(
  schema: S,
  root: string,
  options: { defaults?: boolean } = {},
): (doc: unknown) => Checked<Static<S>> {
  const validate = ajv.compile(schema);
  return (doc) => {
    const value: unknown = options.defaults ? withDefaults(schema, doc) : doc;
    if (validate(value)) return { ok: true, value: value as Static<S> };
    const errors = validate.errors ?? [];
    // Without allErrors Ajv stops at the first failure, which it reports last (after the
    // branch errors when it is a union).
    const failure = errors[errors.length - 1];
    if (!failure) return { ok: false, error: { field: root, problem: 'is invalid' } };
    const error = problemOf(failure, errors, '');
    return { ok: false, error: { field: error.field || root, problem: error.problem } };
  };
}
