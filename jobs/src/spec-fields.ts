// What the strict Job specs (training, drift) share: each spec throws its own error class, so a
// caller can tell which spec was bad, and reports problems in the schema checker's one wording.
import { Type, type TSchema } from 'typebox';
import { InputError } from '@persona-operator/core/data/input-error';
import { NON_BLANK, type Checked } from '@persona-operator/core/schema/check';

/** A spec error names the field (dotted path, "(spec)" for the whole document) and the problem. */
export class SpecFieldError extends InputError {
  constructor(
    spec: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${spec}: ${field}: ${problem}`);
    this.name = new.target.name;
  }
}

export type SpecErrorClass = new (field: string, problem: string) => SpecFieldError;

/** Unknown fields are refused: a typo in a spec must not pass silently. */
export const strict = { additionalProperties: false } as const;

/** An object holding exactly the one field `key`: one variant of an exactly-one-of choice. */
export const only = <K extends string, S extends TSchema>(key: K, schema: S) =>
  Type.Object({ [key]: schema } as Record<K, S>, strict);

/** A string with something in it: names, queries, environment variables. */
export const Text = () => Type.String({ format: NON_BLANK });

/** A namespace/name pair. */
export const ObjectRefSchema = Type.Object(
  { namespace: Text(), name: Text() },
  { additionalProperties: false },
);

/** The checked value, or the first problem thrown as `SpecError`. */
export function orThrow<T>(checked: Checked<T>, SpecError: SpecErrorClass): T {
  if (!checked.ok) throw new SpecError(checked.error.field, checked.error.problem);
  return checked.value;
}

/** JSON text (an env var or a file) as a document; malformed JSON is a "(spec)" error. */
export function specJson(text: string, source: string, SpecError: SpecErrorClass): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SpecError('(spec)', `${source} is not valid JSON: ${(err as Error).message}`);
  }
}
