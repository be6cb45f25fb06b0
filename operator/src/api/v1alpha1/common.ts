// Schema pieces both kinds share, with their TypeScript types beside them.
import { CRON_PATTERN } from '@persona-operator/core/time/cron';
import type { JSONSchemaProps } from '../schema.ts';

export const GROUP = 'personas.dtc.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'personas';

/** Annotation whose new value (any token) asks for a retrain. */
export const RETRAIN_ANNOTATION = `${GROUP}/retrain`;
/** Finalizer that archives the model in the registry before the object goes away. */
export const FINALIZER = `${GROUP}/archive`;

/** A key of a Secret in the resource's namespace. */
export interface SecretKeyRef {
  name: string;
  key?: string;
}

export const secretKeyRefSchema = {
  type: 'object',
  description: 'A key of a Secret in the same namespace.',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, description: 'Name of the Secret.' },
    key: {
      type: 'string',
      minLength: 1,
      maxLength: 253,
      default: 'url',
      description: 'Key within the Secret.',
    },
  },
} as const satisfies JSONSchemaProps;

// The quantity grammar of resource.Quantity, as controller-gen emits it for ResourceRequirements.
const quantitySchema = {
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern:
    '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  'x-kubernetes-int-or-string': true,
} as const satisfies JSONSchemaProps;

export interface ResourceRequirements {
  requests?: Record<string, number | string>;
  limits?: Record<string, number | string>;
}

export const resourcesSchema = {
  type: 'object',
  description: 'Compute resources of the container (as core/v1 ResourceRequirements).',
  properties: {
    requests: { type: 'object', maxProperties: 8, additionalProperties: quantitySchema },
    limits: { type: 'object', maxProperties: 8, additionalProperties: quantitySchema },
  },
} as const satisfies JSONSchemaProps;

export const cronSchema = {
  type: 'string',
  maxLength: 128,
  pattern: CRON_PATTERN,
  description: 'Cron schedule (five fields, UTC), e.g. "0 3 * * 1".',
} as const satisfies JSONSchemaProps;

/** metav1.Condition, written by the API conventions. */
export type { Condition, ConditionStatus } from '../../runtime/conditions.ts';

export const conditionsSchema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object',
    required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
    properties: {
      type: {
        type: 'string',
        maxLength: 316,
        pattern:
          '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      },
      status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      },
      message: { type: 'string', maxLength: 32768 },
      lastTransitionTime: { type: 'string', format: 'date-time' },
      observedGeneration: { type: 'integer', minimum: 0 },
    },
  },
} as const satisfies JSONSchemaProps;
