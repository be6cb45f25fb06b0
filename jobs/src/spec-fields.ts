// The field checks shared by the strict Job specs (training, drift): each spec throws its own
// error class, so a caller can tell which spec was bad, while the wording of every problem
// stays the same across specs.
import { InputError } from '@persona-operator/core/data/input-error';

/** A spec error names the field (dotted path, "(spec)" for the whole document) and the problem. */
export class SpecFieldError extends InputError {
  constructor(
    spec: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${spec}: ${field}: ${problem}`);
    // The subclass's own name (DriftSpecError, TrainingSpecError), as each one used to set it.
    this.name = new.target.name;
  }
}

export type SpecErrorClass = new (field: string, problem: string) => SpecFieldError;

export type Obj = Record<string, unknown>;

export const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

export interface SpecFields {
  fail(field: string, problem: string): never;
  obj(v: unknown, field: string): Obj;
  /** Rejects keys outside `allowed`; `field` "" is the document itself. */
  only(o: Obj, field: string, allowed: readonly string[]): void;
  str(v: unknown, field: string): string;
  /** An integer >= min; `fallback` when absent (required when no fallback is given). */
  int(v: unknown, field: string, min: number, fallback?: number): number;
  /** A finite number, or undefined when absent. */
  num(v: unknown, field: string): number | undefined;
  /** Exactly one of `keys` must be present; returns it. */
  oneOf<K extends string>(o: Obj, field: string, keys: readonly K[]): K;
  /** JSON text (an env var or a file) as a document; malformed JSON is a "(spec)" error. */
  json(text: string, source: string): unknown;
}

export function specFields(SpecError: SpecErrorClass): SpecFields {
  const fail = (field: string, problem: string): never => {
    throw new SpecError(field, problem);
  };
  const only = (o: Obj, field: string, allowed: readonly string[]): void => {
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key))
        fail(field ? `${field}.${key}` : key, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  };
  return {
    fail,
    only,
    obj(v, field) {
      if (typeof v !== 'object' || v === null || Array.isArray(v))
        fail(field, `expected an object, got ${show(v)}`);
      return v as Obj;
    },
    str(v, field) {
      if (typeof v !== 'string' || v.trim() === '')
        fail(field, `expected a non-empty string, got ${show(v)}`);
      return v as string;
    },
    int(v, field, min, fallback) {
      if (v === undefined && fallback !== undefined) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
        fail(field, `expected an integer >= ${min}, got ${show(v)}`);
      return v as number;
    },
    num(v, field) {
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `expected a number, got ${show(v)}`);
      return v as number;
    },
    oneOf<K extends string>(o: Obj, field: string, keys: readonly K[]): K {
      const present = keys.filter((k) => o[k] !== undefined);
      if (present.length !== 1) {
        fail(
          field,
          `expected exactly one of ${keys.join(', ')}, got ${present.length ? present.join(' and ') : 'none'}`,
        );
      }
      only(o, field, keys);
      return present[0];
    },
    json(text, source) {
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        return fail('(spec)', `${source} is not valid JSON: ${(err as Error).message}`);
      }
    },
  };
}
