// The subset of apiextensions.k8s.io/v1 JSONSchemaProps our CRDs use, plus a type-level
// interpreter of it. The API types in v1alpha1/ are written once as schema literals; the
// interpreter lets a compile-time check prove the hand-written TypeScript interfaces say the
// same thing, so the CRD YAML and the code can never drift apart silently.

export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?:
    'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface JSONSchemaProps {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly format?: string;
  readonly description?: string;
  readonly properties?: { readonly [name: string]: JSONSchemaProps };
  readonly required?: readonly string[];
  readonly additionalProperties?: JSONSchemaProps;
  readonly items?: JSONSchemaProps;
  readonly enum?: readonly (string | number)[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly pattern?: string;
  readonly anyOf?: readonly JSONSchemaProps[];
  readonly 'x-kubernetes-int-or-string'?: true;
  readonly 'x-kubernetes-preserve-unknown-fields'?: true;
  readonly 'x-kubernetes-validations'?: readonly ValidationRule[];
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

// Flattens intersections so two equal shapes compare equal under `Equals`.
type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S> = S extends { required: readonly (infer R)[] } ? R : never;

type ObjectFrom<P, R> = Simplify<
  { -readonly [K in keyof P as K extends R ? K : never]: FromSchema<P[K]> } & {
    -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]>;
  }
>;

/** The TypeScript type of the values a schema admits (defaults make nothing required). */
export type FromSchema<S> = S extends { 'x-kubernetes-int-or-string': true }
  ? number | string
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: 'string' }
      ? string
      : S extends { type: 'integer' | 'number' }
        ? number
        : S extends { type: 'boolean' }
          ? boolean
          : S extends { type: 'array'; items: infer I }
            ? FromSchema<I>[]
            : S extends { type: 'object'; properties: infer P }
              ? ObjectFrom<P, RequiredKeys<S>>
              : S extends { type: 'object'; additionalProperties: infer V }
                ? Record<string, FromSchema<V>>
                : S extends { 'x-kubernetes-preserve-unknown-fields': true }
                  ? unknown
                  : S extends { type: 'object' }
                    ? Record<string, never>
                    : never;

/** True exactly when A and B are the same type (optional-ness and extra keys included). */
export type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Deeply flattened form of a hand-written interface, so it compares with `FromSchema`. */
export type Deep<T> = T extends (infer E)[]
  ? Deep<E>[]
  : T extends object
    ? { [K in keyof T]: Deep<T[K]> } & {}
    : T;
