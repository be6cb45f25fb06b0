// DriftMonitor (personas.dtc.dev/v1alpha1): the published contract. The schemas below are the
// one source of the CRD's openAPIV3Schema and of the TypeScript types.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import { Type, type Static } from 'typebox';
import { StringEnum, StringMap } from '@persona-operator/core/schema/types';
import { DRIFT_TEST_GROUPS } from '@persona-operator/core/drift/choose';
import { DATA_CHOICES } from '@persona-operator/registry/lineage';
import {
  DEFAULT_NOVELTY_MAX_SHARE,
  DEFAULT_NOVELTY_PERCENTILE,
} from '@persona-operator/core/drift/personas/novelty';
import {
  DEFAULT_PER_PERSONA_FALSE_ALARM_RATE,
  DEFAULT_PER_PERSONA_MIN_ROWS,
} from '@persona-operator/core/drift/personas/per-persona';
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

const enabled = (what: string) =>
  Type.Optional(Type.Boolean({ default: true, description: `Run ${what}; false switches it off.` }));

const PersonaMixSpecSchema = Type.Object(
  {
    enabled: enabled('the persona-mix test'),
    test: Type.Optional(
      StringEnum(['auto', ...CATEGORICAL_TESTS], {
        default: 'auto',
        description:
          'chisquare (homogeneity of the two samples), z, jensenshannon or psi; auto: chi-square up to 1000 reference rows (z for two personas), Jensen-Shannon distance above.',
      }),
    ),
    threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        description: "The test's threshold (a p-value or a distance, by test); default the test's own.",
      }),
    ),
  },
  {
    default: {},
    description:
      "The share of current rows nearest to each persona against the reference's, tested as one categorical column.",
  },
);

const NoveltySpecSchema = Type.Object(
  {
    enabled: enabled('the novelty test'),
    percentile: Type.Optional(
      Type.Number({
        minimum: 0.5,
        maximum: 0.999,
        default: DEFAULT_NOVELTY_PERCENTILE,
        description:
          "Current rows are compared with the reference's distance to the nearest centroid at this quantile.",
      }),
    ),
    maxShare: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: DEFAULT_NOVELTY_MAX_SHARE,
        description:
          'Novelty fires when more than this share of the current rows lies beyond that distance (about 1 - percentile is expected).',
      }),
    ),
  },
  { default: {}, description: 'Current rows far from every persona: a persona the model lacks.' },
);

const PerPersonaSpecSchema = Type.Object(
  {
    enabled: enabled('the per-persona tests'),
    minRows: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_PER_PERSONA_MIN_ROWS,
        description: 'A persona is tested with at least this many rows on both sides.',
      }),
    ),
    falseAlarmRate: Type.Optional(
      numberAbove(0, {
        maximum: 1,
        default: DEFAULT_PER_PERSONA_FALSE_ALARM_RATE,
        description:
          'The chance that a run where nothing changed names a persona anyway; each p-value threshold is this divided by the number of persona x feature tests.',
      }),
    ),
  },
  {
    default: {},
    description: "Each feature's test among the rows of each persona: which persona moved in which feature.",
  },
);

const testGroups = (description: string) =>
  Type.Array(
    StringEnum(DRIFT_TEST_GROUPS, { description: 'A test: features, personaMix, novelty or perPersona.' }),
    {
      minItems: 1,
      maxItems: DRIFT_TEST_GROUPS.length,
      'x-kubernetes-list-type': 'set',
      description,
    },
  );

const DriftRuleSchema = Type.Object(
  {
    anyOf: Type.Optional(testGroups('Drift detected when any of these tests fires.')),
    allOf: Type.Optional(testGroups('Drift detected only when all of these tests fire.')),
  },
  {
    description:
      'Which tests decide that the run found drift: features (the share of drifted columns), personaMix, novelty, perPersona. Default: any of the tests that run.',
    'x-kubernetes-validations': [
      { rule: 'has(self.anyOf) != has(self.allOf)', message: 'set exactly one of anyOf, allOf' },
    ],
  },
);

/** The tests driftWhen lists (CEL): none when it is absent. */
const RULE_TESTS =
  '(has(self.driftWhen) ? (has(self.driftWhen.anyOf) ? self.driftWhen.anyOf : (has(self.driftWhen.allOf) ? self.driftWhen.allOf : [])) : [])';

/** driftWhen may not name a test its own settings switch off. */
const ruleNamesEnabled = (test: 'personaMix' | 'novelty' | 'perPersona') => ({
  rule: `!('${test}' in ${RULE_TESTS}) || !has(self.${test}) || !has(self.${test}.enabled) || self.${test}.enabled`,
  message: `driftWhen lists ${test}, which ${test}.enabled switches off`,
  fieldPath: '.driftWhen',
});

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
        description: 'The features test fires when at least this share of the columns drifted.',
      }),
    ),
    personaMix: Type.Optional(PersonaMixSpecSchema),
    novelty: Type.Optional(NoveltySpecSchema),
    perPersona: Type.Optional(PerPersonaSpecSchema),
    driftWhen: Type.Optional(DriftRuleSchema),
  },
  {
    default: {},
    description:
      "Which statistical tests run: per column (Evidently's), and over the model's personas (mix, novelty, per persona); and which decide that the run found drift.",
    'x-kubernetes-validations': [
      ruleNamesEnabled('personaMix'),
      ruleNamesEnabled('novelty'),
      ruleNamesEnabled('perPersona'),
    ],
  },
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

export const DEFAULT_RETRAIN_MIN_ROWS = 100;

const RetrainSpecSchema = Type.Object(
  {
    data: Type.Optional(
      StringEnum(DATA_CHOICES, {
        default: 'Current',
        description:
          "What the retrain trains on: Current (the rows this monitor found drifted: its query, or the logged predictions of the run's window), ReferenceAndCurrent (the production version's training data plus the current rows) or Model (the model's own spec.training.data).",
      }),
    ),
    minRows: Type.Optional(
      Type.Integer({
        minimum: 1,
        default: DEFAULT_RETRAIN_MIN_ROWS,
        description:
          'Least number of current rows (those the drift run compared) for a retrain; with fewer the monitor does not retrain and says so in status and an Event.',
      }),
    ),
  },
  {
    description:
      'Retrain the model when drift is detected, and on which data; leave out to only report. `retrain: {}` retrains on the current data.',
  },
);
export type RetrainSpec = Static<typeof RetrainSpecSchema>;

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
          retrain: Type.Optional(RetrainSpecSchema),
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
