// Schema pieces both kinds share; each TypeScript type is derived from its schema.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { Type, type Static, type TSchemaOptions } from 'typebox';
import { StringEnum } from '@persona-operator/core/schema/types';
import { CRON_PATTERN } from '@persona-operator/core/time/cron';
import { DURATION_PATTERN } from '@persona-operator/core/time/duration';

export const GROUP = 'personas.dtc.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'personas';

/** Annotation whose new value (any token) asks for a retrain. */
export const RETRAIN_ANNOTATION = `${GROUP}/retrain`;
/** Finalizer that archives the model in the registry before the object goes away. */
export const FINALIZER = `${GROUP}/archive`;

const secretKeyRefProperties = {
  name: Type.String({
    minLength: 1,
    maxLength: 253,
    description: 'Name of the Secret, in the namespace of this object.',
  }),
  key: Type.Optional(
    Type.String({ minLength: 1, maxLength: 253, default: 'url', description: 'Key within the Secret.' }),
  ),
};

/** A key of a Secret in the resource's namespace. */
export const SecretKeyRefSchema = Type.Object(secretKeyRefProperties);
export type SecretKeyRef = Static<typeof SecretKeyRefSchema>;

/** A key of a Secret in the resource's namespace; `description` says what the key holds. */
export function secretKeyRef(description: string) {
  return Type.Object(secretKeyRefProperties, { description });
}

/** A secret ref with its key filled in from the schema default. */
export type ResolvedSecretKeyRef = Required<SecretKeyRef>;

type IsSecretKeyRef<T> = T extends SecretKeyRef
  ? [keyof T] extends [keyof SecretKeyRef]
    ? [keyof SecretKeyRef] extends [keyof T]
      ? true
      : false
    : false
  : false;

/** `T` with every secret ref in it resolved, as applying the schema defaults leaves it. */
export type WithSecretKeys<T> = T extends unknown // one union member at a time
  ? IsSecretKeyRef<T> extends true
    ? ResolvedSecretKeyRef
    : T extends readonly (infer E)[]
      ? WithSecretKeys<E>[]
      : T extends object
        ? { [K in keyof T]: WithSecretKeys<T[K]> }
        : T
  : never;

/** An object with no fields: its presence is the whole message. */
export function emptyObject(description: string) {
  return Type.Unsafe<Record<string, never>>({ type: 'object', description });
}

/** The object's metadata. The API server validates it and refuses a description here. */
export const objectMetaSchema = Type.Unsafe<V1ObjectMeta>({ type: 'object' });

/** apiVersion and kind, described as every Kubernetes type describes them. */
export const typeMetaProperties = {
  apiVersion: Type.Optional(
    Type.String({
      description:
        'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
    }),
  ),
  kind: Type.Optional(
    Type.String({
      description:
        'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.',
    }),
  ),
};

/** An integer, or a string of the form `pattern` (intstr.IntOrString). */
export function intOrString(pattern: string, options: TSchemaOptions) {
  return Type.Unsafe<number | string>({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern,
    ...options,
  });
}

// The quantity grammar of resource.Quantity, as controller-gen emits it for ResourceRequirements.
const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

function quantities(description: string) {
  return Type.Unsafe<Record<string, number | string>>({
    type: 'object',
    maxProperties: 8,
    description,
    additionalProperties: intOrString(QUANTITY_PATTERN, {
      description: 'A quantity such as 500m, 2 or 1Gi.',
    }),
  });
}

/** Compute resources of a container (as core/v1 ResourceRequirements). */
export function resources(description: string) {
  return Type.Object(
    {
      requests: Type.Optional(
        quantities('Minimum compute resources the container is scheduled with, e.g. cpu: 500m.'),
      ),
      limits: Type.Optional(quantities('Maximum compute resources the container may use, e.g. memory: 1Gi.')),
    },
    { description },
  );
}
export type ResourceRequirements = Static<ReturnType<typeof resources>>;

/** A cron schedule (five fields, UTC). */
export function cron(description: string, options: TSchemaOptions = {}) {
  return Type.String({ maxLength: 128, pattern: CRON_PATTERN, description, ...options });
}

/**
 * A number greater than `min`. The API server reads OpenAPI v3.0, where exclusiveMinimum is a
 * flag on minimum (it refuses JSON Schema's later numeric form), so the keyword is written so.
 */
export function numberAbove(
  min: number,
  options: { maximum?: number; default?: number; description: string },
) {
  return Type.Unsafe<number>({ type: 'number', minimum: min, exclusiveMinimum: true, ...options });
}

/** A duration such as `500ms`, `1.5s`, `15m`, `24h` or `7d`. */
export function duration(description: string, options: TSchemaOptions = {}) {
  return Type.String({ maxLength: 16, pattern: DURATION_PATTERN, description, ...options });
}

const ConditionStatusSchema = StringEnum(['True', 'False', 'Unknown'], {
  description: 'Status of the condition: True, False or Unknown.',
});

// The runtime owns the Condition type every kind's status shares; this schema admits it.
export type { Condition, ConditionStatus } from '../../runtime/conditions.ts';

/** metav1.Condition, written by the API conventions. */
const ConditionSchema = Type.Object(
  {
    type: Type.String({
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      description: 'Type of the condition in CamelCase, e.g. Ready.',
    }),
    status: ConditionStatusSchema,
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      description: "Programmatic identifier (CamelCase) of the reason for the condition's last transition.",
    }),
    message: Type.String({ maxLength: 32768, description: 'Human-readable details of the transition.' }),
    lastTransitionTime: Type.String({
      format: 'date-time',
      description: 'When the condition last changed from one status to another.',
    }),
    observedGeneration: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: "The object's metadata.generation the condition was set for.",
      }),
    ),
  },
  { description: 'One aspect of the current state of the object.' },
);

export function conditions(description: string) {
  return Type.Array(ConditionSchema, {
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
    description,
  });
}
