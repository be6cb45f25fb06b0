// A version's lineage: why it was trained and on which data. The trainer writes it with the
// version (one transaction, so a version never lacks the lineage it was registered with);
// `persona versions`, the operator's status and the diff read it back.
import { Type, type Static } from 'typebox';
import { compileCheck } from '@persona-operator/core/schema/check';
import { StringEnum } from '@persona-operator/core/schema/types';
import { RegistryError } from './errors.ts';

export const TRIGGER_KINDS = ['spec', 'schedule', 'manual', 'drift'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export const TrainingTriggerSchema = Type.Object(
  {
    kind: StringEnum(TRIGGER_KINDS, {
      description:
        'spec (a new or changed spec), schedule, manual (the retrain annotation set by a person) or drift (a DriftMonitor report).',
    }),
    detail: Type.Optional(
      Type.String({ description: 'The spec change, the schedule slot or the annotation value.' }),
    ),
    driftReportId: Type.Optional(Type.Integer({ minimum: 1, description: 'The drift report (kind drift).' })),
    monitor: Type.Optional(
      Type.String({ minLength: 1, description: 'The DriftMonitor, "<namespace>/<name>" (kind drift).' }),
    ),
  },
  { additionalProperties: false },
);
export type TrainingTrigger = Static<typeof TrainingTriggerSchema>;

export const DATA_CHOICES = ['Model', 'Current', 'ReferenceAndCurrent'] as const;
export type DataChoice = (typeof DATA_CHOICES)[number];

export const DATA_ROLES = ['model', 'reference', 'current'] as const;
export type DataRole = (typeof DATA_ROLES)[number];

const strict = { additionalProperties: false } as const;

const SecretKeySchema = Type.Object({ name: Type.String(), key: Type.String() }, strict);

/** Where one part of the data came from: enough to read it again, never a secret's value. */
export const DataOriginSchema = Type.Union([
  Type.Object(
    {
      postgres: Type.Object(
        {
          query: Type.String(),
          secretRef: Type.Optional({ ...SecretKeySchema, description: 'The Secret holding the URL.' }),
        },
        strict,
      ),
    },
    strict,
  ),
  Type.Object(
    {
      predictions: Type.Object(
        {
          from: Type.String({ description: 'Start of the window of logged predictions (ISO 8601).' }),
          to: Type.String({ description: 'End of the window (ISO 8601).' }),
        },
        strict,
      ),
    },
    strict,
  ),
  Type.Object({ gcs: Type.Object({ uri: Type.String() }, strict) }, strict),
  Type.Object({ volume: Type.Object({ path: Type.String() }, strict) }, strict),
]);
export type DataOrigin = Static<typeof DataOriginSchema>;

export const DataPartLineageSchema = Type.Object(
  {
    role: StringEnum(DATA_ROLES, {
      description:
        "model (the model's training.data), reference (the production version's data) or current (a monitor's data).",
    }),
    origin: DataOriginSchema,
    rows: Type.Integer({ minimum: 0 }),
    dataHash: Type.String({ description: 'sha256 of the part as read, hex.' }),
  },
  strict,
);
export type DataPartLineage = Static<typeof DataPartLineageSchema>;

export const VersionLineageSchema = Type.Object(
  {
    trigger: Type.Optional(TrainingTriggerSchema),
    data: Type.Object(
      {
        choice: StringEnum(DATA_CHOICES),
        parts: Type.Array(DataPartLineageSchema, { minItems: 1 }),
      },
      strict,
    ),
  },
  strict,
);
export type VersionLineage = Static<typeof VersionLineageSchema>;

const checkLineage = compileCheck(VersionLineageSchema, '(lineage)');

/** The lineage as stored, or a RegistryError naming the field that is wrong. */
export function parseLineage(doc: unknown): VersionLineage {
  const checked = checkLineage(doc);
  if (!checked.ok) {
    const { field, problem } = checked.error;
    throw new RegistryError(`${field.startsWith('(') ? field : `lineage.${field}`}: ${problem}`);
  }
  return checked.value;
}

function describeOrigin(o: DataOrigin): string {
  if ('postgres' in o) return `query ${JSON.stringify(o.postgres.query.replace(/\s+/g, ' ').trim())}`;
  if ('predictions' in o) return `predictions ${o.predictions.from} .. ${o.predictions.to}`;
  if ('gcs' in o) return o.gcs.uri;
  return o.volume.path;
}

/** One line for people: "drift report 7 (shop/customers-drift)", "schedule", "spec". */
export function describeTrigger(t: TrainingTrigger | undefined): string {
  if (!t) return '-';
  if (t.kind === 'drift')
    return `drift report ${t.driftReportId ?? '?'}${t.monitor ? ` (${t.monitor})` : ''}`;
  if (t.kind === 'manual') return t.detail ? `manual (${t.detail})` : 'manual';
  return t.kind;
}

/** The data in a few words: "Current: 500 rows", "ReferenceAndCurrent: 500 + 500 rows". */
export function describeDataShort(l: VersionLineage | null | undefined): string {
  if (!l) return '-';
  return `${l.data.choice}: ${l.data.parts.map((p) => p.rows).join(' + ')} rows`;
}

/** Every part with its origin, rows and hash prefix, for `describe` and `persona versions`. */
export function describeDataParts(l: VersionLineage): string[] {
  return l.data.parts.map(
    (p) => `${p.role}: ${describeOrigin(p.origin)}, ${p.rows} rows, sha256 ${p.dataHash.slice(0, 12)}`,
  );
}
