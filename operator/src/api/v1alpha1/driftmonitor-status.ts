// DriftMonitor status: what the operator observed, written only by the operator.
import { Type, type Static } from 'typebox';
import { StringEnum } from '@persona-operator/core/schema/types';
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

const LastReportSchema = Type.Object(
  {
    id: Type.Integer({ description: 'Id of the report in the registry.' }),
    version: Type.Optional(Type.Integer({ description: 'Model version used as the reference.' })),
    driftDetected: Type.Boolean({ description: 'Whether the share of drifted columns reached driftShare.' }),
    driftShare: Type.Number({ description: 'Share of the columns that drifted.' }),
    url: Type.Optional(Type.String({ description: 'The HTML report served by the operator.' })),
    columns: Type.Optional(Type.Array(DriftColumnStatusSchema, { description: 'Per-column results.' })),
  },
  { description: 'Summary of the newest drift report.' },
);

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
