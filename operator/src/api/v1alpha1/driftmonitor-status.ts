// DriftMonitor status: what the operator observed, written only by the operator.
import { Type, type Static } from 'typebox';
import { StringEnum } from '@persona-operator/core/schema/types';
import { DRIFT_TEST_GROUPS } from '@persona-operator/core/drift/choose';
import { conditions } from './common.ts';

const time = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }));

const DriftColumnStatusSchema = Type.Object(
  {
    name: Type.String({ description: 'Feature name.' }),
    test: Type.String({ description: 'Test that was run.' }),
    statistic: Type.Optional(Type.Number({ description: "The test's statistic." })),
    pValue: Type.Optional(Type.Number({ description: 'p-value, for the tests that have one.' })),
    threshold: Type.Optional(Type.Number({ description: 'Threshold the statistic or p-value was held to.' })),
    drifted: Type.Boolean({ description: 'Whether the column drifted.' }),
  },
  { description: 'The result for one column.' },
);
export type DriftColumnStatus = Static<typeof DriftColumnStatusSchema>;

/** How one notification of the last run went (never a secret: targets are named safely). */
const NotificationStatusSchema = Type.Object(
  {
    kind: StringEnum(['telegram', 'slack', 'webhook'], { description: 'Kind of target.' }),
    target: Type.String({ description: 'The target, named without secrets.' }),
    delivered: Type.Boolean({ description: 'Whether the target accepted the message.' }),
    attempts: Type.Integer({ description: 'Delivery attempts made.' }),
    error: Type.Optional(Type.String({ description: 'The last delivery error.' })),
    time: Type.String({ format: 'date-time', description: 'When delivery ended.' }),
  },
  { description: 'How one notification of the last run went.' },
);
export type NotificationStatus = Static<typeof NotificationStatusSchema>;

const DriftRunResultSchema = StringEnum(['Running', 'Succeeded', 'Failed'], {
  description: 'Whether the run of lastJobName is still going, found a report, or failed.',
});
export type DriftRunResult = Static<typeof DriftRunResultSchema>;

const personaNames = (description: string) =>
  Type.Array(Type.String({ description: 'A persona name.' }), { maxItems: 64, description });

const PersonaMixStatusSchema = Type.Object(
  {
    result: StringEnum(['Drifted', 'Stable'], { description: 'Whether the persona mix drifted.' }),
    test: Type.String({ description: 'Test that was run.' }),
    statistic: Type.Optional(Type.Number({ description: "The test's statistic." })),
    pValue: Type.Optional(Type.Number({ description: 'p-value, for the tests that have one.' })),
    threshold: Type.Number({ description: 'Threshold the statistic or p-value was held to.' }),
    grew: personaNames('Personas whose share grew significantly.'),
    shrank: personaNames('Personas whose share shrank significantly.'),
    moved: Type.Optional(
      Type.String({
        maxLength: 1024,
        description: 'The personas that grew or shrank with their shares, e.g. "Budget Brian 18.4% → 40.6%".',
      }),
    ),
  },
  { description: "The current rows' persona shares against the reference's." },
);

const NoveltyStatusSchema = Type.Object(
  {
    share: Type.Number({
      description: 'Share of the current rows farther from every persona than the reference percentile.',
    }),
    maxShare: Type.Number({ description: 'The share above which novelty fires.' }),
    drifted: Type.Boolean({ description: 'Whether novelty fired.' }),
  },
  { description: 'Current rows far from every persona.' },
);

const PerPersonaStatusSchema = Type.Object(
  {
    personasTested: Type.Integer({ description: 'Personas with enough rows on both sides to be tested.' }),
    moved: Type.Array(Type.String({ description: '"<persona>: <feature>, <feature>"' }), {
      maxItems: 64,
      description: 'Each persona that moved, with the features it moved in.',
    }),
  },
  { description: "Each feature's test among the rows of each persona." },
);

const LastReportSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Id of the report in the registry.' }),
    version: Type.Optional(Type.Integer({ description: 'Model version used as the reference.' })),
    driftDetected: Type.Boolean({ description: 'The verdict of the drift rule (spec.tests.driftWhen).' }),
    fired: Type.Optional(
      Type.Array(StringEnum(DRIFT_TEST_GROUPS, { description: 'A test.' }), {
        maxItems: DRIFT_TEST_GROUPS.length,
        description: 'The tests that found drift: features, personaMix, novelty, perPersona.',
      }),
    ),
    driftShare: Type.Number({ description: 'Share of the columns that drifted.' }),
    url: Type.Optional(Type.String({ description: 'The HTML report served by the operator.' })),
    columns: Type.Optional(Type.Array(DriftColumnStatusSchema, { description: 'Per-column results.' })),
    personaMix: Type.Optional(PersonaMixStatusSchema),
    novelty: Type.Optional(NoveltyStatusSchema),
    perPersona: Type.Optional(PerPersonaStatusSchema),
    personaReference: Type.Optional(
      StringEnum(['stored', 'sample'], {
        description:
          "Where the persona tests' reference came from: stored with the version, or its reference sample (a version trained before they were stored).",
      }),
    ),
  },
  { description: 'Summary of the newest drift report.' },
);
export type LastReportStatus = Static<typeof LastReportSchema>;

const LastRetrainSchema = Type.Object(
  {
    decision: StringEnum(['Triggered', 'Skipped'], {
      description: 'Whether the last drift report asked the model to retrain.',
    }),
    reason: Type.String({
      description:
        'Triggered, or why not: RetrainDisabled, TooFewRows, ModelNotFound, ModelTraining, Cooldown, AlreadyRequested.',
    }),
    message: Type.String({ description: 'What was decided, for people.' }),
    reportId: Type.Integer({ description: 'The drift report the decision is about.' }),
    data: Type.Optional(
      Type.String({ description: 'The data the retrain trains on (Current, ReferenceAndCurrent or Model).' }),
    ),
    time: time('When it was decided.'),
  },
  { description: 'The retrain decision of the last run that found drift.' },
);
export type LastRetrainStatus = Static<typeof LastRetrainSchema>;

export const DriftMonitorStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'The metadata.generation this status was written for.' }),
    ),
    conditions: Type.Optional(conditions('Ready and DriftDetected, by the API conventions.')),
    lastRunTime: time('When the last run was started.'),
    nextRunTime: time('When the next scheduled run starts.'),
    lastJobName: Type.Optional(Type.String({ description: 'Name of the Job of the last run.' })),
    lastRunResult: Type.Optional(DriftRunResultSchema),
    runNowToken: Type.Optional(
      Type.String({ maxLength: 253, description: 'The run-now annotation value already acted upon.' }),
    ),
    lastReport: Type.Optional(LastReportSchema),
    lastRetrainTriggered: time('When this monitor last asked for a retrain.'),
    lastRetrain: Type.Optional(LastRetrainSchema),
    notifications: Type.Optional(
      Type.Array(NotificationStatusSchema, {
        maxItems: 16,
        description: 'Notifications of the last finished run.',
      }),
    ),
  },
  { description: 'What the operator observed; written only by the operator.' },
);
export type DriftMonitorStatus = Static<typeof DriftMonitorStatusSchema>;
