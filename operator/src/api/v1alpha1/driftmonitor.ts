// DriftMonitor (personas.dtc.dev/v1alpha1): the published contract. The schemas below are the
// one source of the CRD's openAPIV3Schema and of the TypeScript types.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { Type, type Static } from 'typebox';
import { StringEnum, StringMap } from '@persona-operator/core/schema/types';
import {
  API_VERSION,
  cron,
  duration,
  numberAbove,
  objectMetaSchema,
  secretKeyRef,
  typeMetaProperties,
} from './common.ts';
import { DriftMonitorStatusSchema, type DriftMonitorStatus } from './driftmonitor-status.ts';

export type * from './driftmonitor-status.ts';

export const DRIFT_MONITOR_KIND = 'DriftMonitor';
export const DRIFT_MONITOR_PLURAL = 'driftmonitors';

const NUMERIC_TESTS = ['ks', 'wasserstein', 'psi', 'jensenshannon'] as const;
const CATEGORICAL_TESTS = ['chisquare', 'z', 'jensenshannon', 'psi'] as const;

const NumericTestSchema = StringEnum(['auto', ...NUMERIC_TESTS], {
  default: 'auto',
  description:
    'Test for numeric columns: ks (Kolmogorov-Smirnov), wasserstein, psi, jensenshannon; auto picks by sample size.',
});
export type NumericTest = Static<typeof NumericTestSchema>;

const CategoricalTestSchema = StringEnum(['auto', ...CATEGORICAL_TESTS], {
  default: 'auto',
  description: 'Test for categorical columns: chisquare, z, jensenshannon, psi; auto picks by sample size.',
});
export type CategoricalTest = Static<typeof CategoricalTestSchema>;

const DriftTestSchema = StringEnum(['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare', 'z'], {
  description: 'Test for this column; it must be one defined for the column type.',
});
export type DriftTest = Static<typeof DriftTestSchema>;

const CurrentDataSchema = Type.Object(
  {
    postgres: Type.Optional(
      Type.Object(
        {
          secretRef: secretKeyRef(
            'Secret key holding the URL of the database to read the current rows from.',
          ),
          query: Type.String({
            minLength: 1,
            maxLength: 65536,
            description: "SELECT returning (at least) the model's feature columns.",
          }),
        },
        { description: 'Read the current rows from a Postgres query.' },
      ),
    ),
    predictions: Type.Optional(
      Type.Object(
        {
          window: Type.Optional(
            duration('How far back to read the logged predictions, e.g. 24h.', { default: '24h' }),
          ),
        },
        { description: "The predictor's logged traffic over the window (needs serving.logPredictions)." },
      ),
    ),
  },
  {
    description: 'The data compared with the production version: exactly one source.',
    'x-kubernetes-validations': [
      {
        rule: '(has(self.postgres) ? 1 : 0) + (has(self.predictions) ? 1 : 0) == 1',
        message: 'exactly one current data source (postgres or predictions) must be set',
      },
    ],
  },
);
export type CurrentData = Static<typeof CurrentDataSchema>;

const DriftTestsSpecSchema = Type.Object(
  {
    numeric: Type.Optional(NumericTestSchema),
    categorical: Type.Optional(CategoricalTestSchema),
    perFeature: Type.Optional(
      StringMap(
        Type.Object(
          {
            test: Type.Optional(DriftTestSchema),
            threshold: Type.Optional(
              Type.Number({
                minimum: 0,
                description: "Threshold of the column's test (a p-value or a distance, by test).",
              }),
            ),
          },
          { description: 'Test and threshold of one column.' },
        ),
        { maxProperties: 64, description: 'Overrides per column, keyed by feature name.' },
      ),
    ),
    driftShare: Type.Optional(
      numberAbove(0, {
        maximum: 1,
        default: 0.5,
        description: 'The data drifted when at least this share of the columns drifted.',
      }),
    ),
  },
  { default: {}, description: 'Which statistical tests decide that a column drifted.' },
);
export type DriftTestsSpec = Static<typeof DriftTestsSpecSchema>;

const NotifyTargetSchema = Type.Object(
  {
    telegram: Type.Optional(
      Type.Object(
        {
          botTokenSecretRef: secretKeyRef('Secret key holding the Telegram bot token.'),
          chatId: Type.String({ minLength: 1, maxLength: 64, description: 'Chat the bot posts to.' }),
        },
        { description: 'Post to a Telegram chat.' },
      ),
    ),
    slack: Type.Optional(
      Type.Object(
        { webhookSecretRef: secretKeyRef('Secret key holding the Slack incoming-webhook URL.') },
        { description: 'Post to a Slack incoming webhook.' },
      ),
    ),
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({
            maxLength: 2048,
            pattern: '^https?://',
            description: 'URL the report JSON is POSTed to.',
          }),
          hmacSecretRef: Type.Optional(
            secretKeyRef('Secret key holding the key that signs each body (HMAC-SHA256 header).'),
          ),
        },
        { description: 'POST the report as JSON to a URL.' },
      ),
    ),
    onNoDrift: Type.Optional(
      Type.Boolean({ default: false, description: 'Also report runs that found no drift.' }),
    ),
  },
  {
    description: 'One notification target: exactly one of telegram, slack, webhook.',
    'x-kubernetes-validations': [
      {
        rule: '(has(self.telegram) ? 1 : 0) + (has(self.slack) ? 1 : 0) + (has(self.webhook) ? 1 : 0) == 1',
        message: 'each notify entry sets exactly one of telegram, slack, webhook',
      },
    ],
  },
);
export type NotifyTarget = Static<typeof NotifyTargetSchema>;

export const DriftMonitorSpecSchema = Type.Object(
  {
    modelRef: Type.Object(
      {
        name: Type.String({
          minLength: 1,
          maxLength: 253,
          description: 'PersonaModel name, in the namespace of this object.',
        }),
      },
      { description: 'The PersonaModel whose production version is the reference.' },
    ),
    current: CurrentDataSchema,
    schedule: Type.Optional(
      cron('Run on this cron schedule (five fields, UTC), e.g. "0 * * * *".', { default: '0 * * * *' }),
    ),
    tests: Type.Optional(DriftTestsSpecSchema),
    action: Type.Optional(
      Type.Object(
        {
          retrain: Type.Optional(
            Type.Boolean({ default: false, description: 'Retrain the model when drift is detected.' }),
          ),
          cooldown: Type.Optional(
            duration('Least time between two retrains asked for by this monitor.', { default: '24h' }),
          ),
        },
        { default: {}, description: 'What to do when drift is detected.' },
      ),
    ),
    notify: Type.Optional(
      Type.Array(NotifyTargetSchema, { maxItems: 16, description: 'Where to report each run.' }),
    ),
  },
  { description: 'What to compare with the model, how often, and what to do on drift.' },
);
export type DriftMonitorSpec = Static<typeof DriftMonitorSpecSchema>;

export const DriftMonitorSchema = Type.Object(
  {
    ...typeMetaProperties,
    metadata: Type.Optional(objectMetaSchema),
    spec: DriftMonitorSpecSchema,
    status: Type.Optional(DriftMonitorStatusSchema),
  },
  {
    description:
      "Compares current data with a PersonaModel's training reference on a schedule, and reports or retrains on drift.",
  },
);

export interface DriftMonitor extends KubernetesObject {
  apiVersion: typeof API_VERSION;
  kind: typeof DRIFT_MONITOR_KIND;
  metadata: V1ObjectMeta;
  spec: DriftMonitorSpec;
  status?: DriftMonitorStatus;
}
