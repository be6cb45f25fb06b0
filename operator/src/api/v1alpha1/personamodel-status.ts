// PersonaModel status: what the operator observed, written only by the operator.
import { Type, type Static } from 'typebox';
import { StringEnum } from '@persona-operator/core/schema/types';
import { conditions } from './common.ts';

const time = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }));

const PersonaModelPhaseSchema = StringEnum(['Pending', 'Training', 'Serving', 'Degraded', 'Failed'], {
  description:
    'Summary of the state: Pending (nothing trained yet), Training, Serving, Degraded (serving, but something needs attention) or Failed.',
});
export type PersonaModelPhase = Static<typeof PersonaModelPhaseSchema>;

const TrainingResultSchema = StringEnum(['Running', 'Succeeded', 'Failed'], {
  description: 'Whether the training run is going, registered a version, or failed.',
});
export type TrainingResult = Static<typeof TrainingResultSchema>;

const PromotionDecisionSchema = StringEnum(['Promoted', 'Refused', 'AwaitingManual'], {
  description: 'Promoted to production, Refused by a gate, or AwaitingManual promotion.',
});
export type PromotionDecision = Static<typeof PromotionDecisionSchema>;

const TrainingMetricsStatusSchema = Type.Object(
  {
    k: Type.Optional(Type.Integer({ description: 'Number of clusters of the trained version.' })),
    silhouette: Type.Optional(
      Type.Number({ description: 'Silhouette score, in [-1, 1]; higher is better.' }),
    ),
    silhouetteRounded: Type.Optional(
      Type.Number({
        description: 'The silhouette rounded to 3 decimals, as `kubectl get` shows it (0.588).',
      }),
    ),
    inertia: Type.Optional(
      Type.Number({ description: 'Sum of squared distances to the nearest centroid; lower is tighter.' }),
    ),
  },
  { description: 'Cluster quality of the version the run registered.' },
);
export type TrainingMetricsStatus = Static<typeof TrainingMetricsStatusSchema>;

const LastTrainingStatusSchema = Type.Object(
  {
    jobName: Type.String({ description: 'Name of the training Job.' }),
    inputsHash: Type.String({
      description: 'Hash of the training inputs (and retrain token) this Job was made for.',
    }),
    trigger: Type.Optional(
      Type.String({ description: "Why the operator trained: the trigger policy's reason." }),
    ),
    triggeredBy: Type.Optional(
      Type.String({
        description:
          'What triggered it, as the version records it: spec, schedule, manual (the annotation value) or drift report N (the monitor).',
      }),
    ),
    data: Type.Optional(
      Type.String({
        description:
          'The data it trained on: Model, Current or ReferenceAndCurrent, with the rows of each part (e.g. "Current: 500 rows").',
      }),
    ),
    dataParts: Type.Optional(
      Type.Array(Type.String({ description: 'One part: "current: query ..., 500 rows, sha256 ...".' }), {
        maxItems: 16,
        description: 'Each part of the data: its role, query or window, rows and sha256 prefix.',
      }),
    ),
    reason: Type.Optional(
      Type.String({
        description:
          "Why a failed run failed, as the Trained condition's reason: DataMissingColumn, DataWindowEmpty, DataEmpty, DataBadValue, DataQueryFailed or TrainingFailed.",
      }),
    ),
    startTime: time('When the Job started.'),
    completionTime: time('When the Job finished.'),
    result: TrainingResultSchema,
    message: Type.Optional(Type.String({ description: 'What happened, for people.' })),
    version: Type.Optional(Type.Integer({ description: 'Version the run registered.' })),
    metrics: Type.Optional(TrainingMetricsStatusSchema),
  },
  { description: 'The most recent training run.' },
);
export type LastTrainingStatus = Static<typeof LastTrainingStatusSchema>;

const PersonaDiffStatusSchema = Type.Object(
  {
    fromVersion: Type.Integer({ description: 'The production version the candidate was compared with.' }),
    churn: Type.Optional(
      Type.String({ description: 'Share of sample rows that change persona, e.g. "12.5%".' }),
    ),
    adjustedRandIndex: Type.Optional(
      Type.String({
        description: 'Agreement of the two labelings of the sample (1: the same), e.g. "0.874".',
      }),
    ),
    changes: Type.Array(
      Type.String({ description: 'One change, e.g. "merged A, B into A" or "new Weekend Shopper".' }),
      { description: 'New, retired, split and merged personas.' },
    ),
    summary: Type.String({ description: 'The diff in one line (`persona versions --diff` has it all).' }),
  },
  { description: "The candidate's persona diff against production, when one was stored." },
);
export type PersonaDiffStatus = Static<typeof PersonaDiffStatusSchema>;

const PromotionStatusSchema = Type.Object(
  {
    version: Type.Integer({ description: 'Version the decision is about.' }),
    decision: PromotionDecisionSchema,
    reason: Type.String({ description: 'Why, e.g. which gate refused it.' }),
    time: time('When the decision was made.'),
    personaDiff: Type.Optional(PersonaDiffStatusSchema),
  },
  { description: 'The most recent promotion decision.' },
);
export type PromotionStatus = Static<typeof PromotionStatusSchema>;

const RolloutStatusSchema = Type.Object(
  {
    targetVersion: Type.Optional(Type.Integer({ description: 'Version being rolled out to the predictor.' })),
    startTime: time('When the rollout of targetVersion started.'),
    failedVersion: Type.Optional(
      Type.Integer({
        description: 'A version whose pods did not become ready in time; not tried again for the same spec.',
      }),
    ),
    message: Type.Optional(Type.String({ description: 'What happened to the rollout, for people.' })),
  },
  { description: 'The predictor rollout in progress or last failed.' },
);
export type RolloutStatus = Static<typeof RolloutStatusSchema>;

const version = (description: string) => Type.Optional(Type.Integer({ description }));

export const PersonaModelStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(
      Type.Integer({ description: 'The metadata.generation this status was written for.' }),
    ),
    phase: Type.Optional(PersonaModelPhaseSchema),
    conditions: Type.Optional(conditions('Ready, Trained, Promoted and Degraded, by the API conventions.')),
    latestVersion: version('Newest registered version.'),
    productionVersion: version("Version the registry's production alias points at."),
    servingVersion: version('Version the predictor serves.'),
    lastTraining: Type.Optional(LastTrainingStatusSchema),
    lastPromotion: Type.Optional(PromotionStatusSchema),
    rollout: Type.Optional(RolloutStatusSchema),
    retrainToken: Type.Optional(
      Type.String({ description: 'The last `personas.dtc.dev/retrain` annotation value acted upon.' }),
    ),
    endpoint: Type.Optional(
      Type.String({ description: "URL of the predictor's Service inside the cluster." }),
    ),
  },
  { description: 'What the operator observed; written only by the operator.' },
);
export type PersonaModelStatus = Static<typeof PersonaModelStatusSchema>;
