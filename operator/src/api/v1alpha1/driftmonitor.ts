// DriftMonitor (personas.dtc.dev/v1alpha1): the published contract of DESIGN.md section 3.
// Schema literals are the single source of the CRD; the interfaces are checked against them.
import { DURATION_PATTERN } from '@persona-operator/core/time/duration';
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { JSONSchemaProps } from '../schema.ts';
import {
  API_VERSION,
  conditionsSchema,
  cronSchema,
  secretKeyRefSchema,
  type Condition,
  type SecretKeyRef,
} from './common.ts';

export const DRIFT_MONITOR_KIND = 'DriftMonitor';
export const DRIFT_MONITOR_PLURAL = 'driftmonitors';

// ---- TypeScript types -------------------------------------------------------------------

export type NumericTest = 'auto' | 'ks' | 'wasserstein' | 'psi' | 'jensenshannon';
export type CategoricalTest = 'auto' | 'chisquare' | 'z' | 'jensenshannon' | 'psi';
export type DriftTest = 'ks' | 'wasserstein' | 'psi' | 'jensenshannon' | 'chisquare' | 'z';

export interface CurrentData {
  postgres?: { secretRef: SecretKeyRef; query: string };
  predictions?: { window?: string };
}

export interface DriftTestsSpec {
  numeric?: NumericTest;
  categorical?: CategoricalTest;
  perFeature?: Record<string, { test?: DriftTest; threshold?: number }>;
  driftShare?: number;
}

export interface NotifyTarget {
  telegram?: { botTokenSecretRef: SecretKeyRef; chatId: string };
  slack?: { webhookSecretRef: SecretKeyRef };
  webhook?: { url: string; hmacSecretRef?: SecretKeyRef };
  /** Also report runs that found no drift. */
  onNoDrift?: boolean;
}

export interface DriftMonitorSpec {
  modelRef: { name: string };
  current: CurrentData;
  schedule?: string;
  tests?: DriftTestsSpec;
  action?: { retrain?: boolean; cooldown?: string };
  notify?: NotifyTarget[];
}

export interface DriftColumnStatus {
  name: string;
  test: string;
  statistic?: number;
  pValue?: number;
  threshold?: number;
  drifted: boolean;
}

/** How one notification of the last run went (never a secret: targets are named safely). */
export interface NotificationStatus {
  kind: 'telegram' | 'slack' | 'webhook';
  target: string;
  delivered: boolean;
  attempts: number;
  error?: string;
  time: string;
}

export type DriftRunResult = 'Running' | 'Succeeded' | 'Failed';

export interface DriftMonitorStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastRunTime?: string;
  nextRunTime?: string;
  lastJobName?: string;
  /** Whether the run of lastJobName is still going, found a report, or failed. */
  lastRunResult?: DriftRunResult;
  /** The run-now annotation value already acted upon. */
  runNowToken?: string;
  lastReport?: {
    id: number;
    version?: number;
    driftDetected: boolean;
    driftShare: number;
    /** The HTML report served by the operator. */
    url?: string;
    columns?: DriftColumnStatus[];
  };
  lastRetrainTriggered?: string;
  /** Notifications of the last finished run. */
  notifications?: NotificationStatus[];
}

export interface DriftMonitor extends KubernetesObject {
  apiVersion: typeof API_VERSION;
  kind: typeof DRIFT_MONITOR_KIND;
  metadata: V1ObjectMeta;
  spec: DriftMonitorSpec;
  status?: DriftMonitorStatus;
}

// ---- schema -------------------------------------------------------------------------------

const durationSchema = {
  type: 'string',
  maxLength: 16,
  pattern: DURATION_PATTERN,
} as const satisfies JSONSchemaProps;

export const driftMonitorSpecSchema = {
  type: 'object',
  required: ['modelRef', 'current'],
  properties: {
    modelRef: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 253, description: 'PersonaModel name.' },
      },
    },
    current: {
      type: 'object',
      description: 'The data compared with the production version: exactly one source.',
      properties: {
        postgres: {
          type: 'object',
          required: ['secretRef', 'query'],
          properties: {
            secretRef: secretKeyRefSchema,
            query: { type: 'string', minLength: 1, maxLength: 65536 },
          },
        },
        predictions: {
          type: 'object',
          description: "The predictor's logged traffic over the window.",
          properties: { window: { ...durationSchema, default: '24h' } },
        },
      },
      'x-kubernetes-validations': [
        {
          rule: '(has(self.postgres) ? 1 : 0) + (has(self.predictions) ? 1 : 0) == 1',
          message: 'exactly one current data source (postgres or predictions) must be set',
        },
      ],
    },
    schedule: { ...cronSchema, default: '0 * * * *' },
    tests: {
      type: 'object',
      default: {},
      properties: {
        numeric: {
          type: 'string',
          enum: ['auto', 'ks', 'wasserstein', 'psi', 'jensenshannon'],
          default: 'auto',
        },
        categorical: {
          type: 'string',
          enum: ['auto', 'chisquare', 'z', 'jensenshannon', 'psi'],
          default: 'auto',
        },
        perFeature: {
          type: 'object',
          maxProperties: 64,
          additionalProperties: {
            type: 'object',
            properties: {
              test: { type: 'string', enum: ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare', 'z'] },
              threshold: { type: 'number', minimum: 0 },
            },
          },
        },
        driftShare: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
      },
    },
    action: {
      type: 'object',
      default: {},
      properties: {
        retrain: { type: 'boolean', default: false },
        cooldown: { ...durationSchema, default: '24h' },
      },
    },
    notify: {
      type: 'array',
      maxItems: 16,
      items: {
        type: 'object',
        properties: {
          telegram: {
            type: 'object',
            required: ['botTokenSecretRef', 'chatId'],
            properties: {
              botTokenSecretRef: secretKeyRefSchema,
              chatId: { type: 'string', minLength: 1, maxLength: 64 },
            },
          },
          slack: {
            type: 'object',
            required: ['webhookSecretRef'],
            properties: { webhookSecretRef: secretKeyRefSchema },
          },
          webhook: {
            type: 'object',
            required: ['url'],
            properties: {
              url: { type: 'string', maxLength: 2048, pattern: '^https?://' },
              hmacSecretRef: secretKeyRefSchema,
            },
          },
          onNoDrift: { type: 'boolean', default: false },
        },
        'x-kubernetes-validations': [
          {
            rule: '(has(self.telegram) ? 1 : 0) + (has(self.slack) ? 1 : 0) + (has(self.webhook) ? 1 : 0) == 1',
            message: 'each notify entry sets exactly one of telegram, slack, webhook',
          },
        ],
      },
    },
  },
} as const satisfies JSONSchemaProps;

export const driftMonitorStatusSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer' },
    conditions: conditionsSchema,
    lastRunTime: { type: 'string', format: 'date-time' },
    nextRunTime: { type: 'string', format: 'date-time' },
    lastJobName: { type: 'string' },
    lastRunResult: { type: 'string', enum: ['Running', 'Succeeded', 'Failed'] },
    runNowToken: { type: 'string', maxLength: 253 },
    lastReport: {
      type: 'object',
      required: ['id', 'driftDetected', 'driftShare'],
      properties: {
        id: { type: 'integer' },
        version: { type: 'integer' },
        driftDetected: { type: 'boolean' },
        driftShare: { type: 'number' },
        url: { type: 'string' },
        columns: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'test', 'drifted'],
            properties: {
              name: { type: 'string' },
              test: { type: 'string' },
              statistic: { type: 'number' },
              pValue: { type: 'number' },
              threshold: { type: 'number' },
              drifted: { type: 'boolean' },
            },
          },
        },
      },
    },
    lastRetrainTriggered: { type: 'string', format: 'date-time' },
    notifications: {
      type: 'array',
      maxItems: 16,
      items: {
        type: 'object',
        required: ['kind', 'target', 'delivered', 'attempts', 'time'],
        properties: {
          kind: { type: 'string', enum: ['telegram', 'slack', 'webhook'] },
          target: { type: 'string' },
          delivered: { type: 'boolean' },
          attempts: { type: 'integer' },
          error: { type: 'string' },
          time: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const satisfies JSONSchemaProps;

export const driftMonitorSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: driftMonitorSpecSchema,
    status: driftMonitorStatusSchema,
  },
} as const satisfies JSONSchemaProps;
