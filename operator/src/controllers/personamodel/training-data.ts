// Which data a training Job reads and why it trains, as a pure function of the model's spec,
// the trigger decision, the monitor's retrain request (if a monitor asked) and the production
// version's lineage (for ReferenceAndCurrent). Each part names the Secret key its URL comes
// from; the Job builder turns those into secretKeyRef env vars, so no value passes through here.
import { DATA_URL_ENV } from '@persona-operator/jobs/job-env';
import {
  DEFAULT_ROW_LIMIT,
  MAX_DATA_PARTS,
  type TrainingDataSource,
} from '@persona-operator/jobs/training-spec';
import type {
  DataChoice,
  DataOrigin,
  DataRole,
  ModelVersion,
  TrainingTrigger,
} from '@persona-operator/registry';
import type { ResolvedSecretKeyRef } from '../../api/v1alpha1/common.ts';
import { SpecProblem } from '../shared/errors.ts';
import type { RetrainRequest } from '../shared/retrain-request.ts';
import type { ResolvedSpec } from './defaults.ts';
import type { TriggerReason } from './trigger.ts';

/** One part of the data: the Job's source and, for a query, the Secret key of its URL. */
export interface PlannedPart {
  role: DataRole;
  source: TrainingDataSource;
  urlSecret?: ResolvedSecretKeyRef;
}

export interface TrainingDataPlan {
  choice: DataChoice;
  parts: PlannedPart[];
  trigger: TrainingTrigger;
}

export interface TrainingDataInputs {
  spec: ResolvedSpec;
  namespace: string;
  reason: TriggerReason;
  /** The decision's token: the schedule slot or the retrain annotation value. */
  token: string;
  /** The monitor's request for this token, if a monitor asked. */
  request?: RetrainRequest;
  /** The production version, read only for a ReferenceAndCurrent request. */
  production?: ModelVersion;
}

/** The env var of part `i`'s URL: the model's own data keeps the name a single source has. */
const urlEnvOf = (i: number, several: boolean) => (several ? `${DATA_URL_ENV}_${i}` : DATA_URL_ENV);

function query(role: DataRole, q: string, secret: ResolvedSecretKeyRef): PlannedPart {
  return {
    role,
    source: { postgres: { query: q, urlEnv: DATA_URL_ENV, rowLimit: DEFAULT_ROW_LIMIT, secretRef: secret } },
    urlSecret: secret,
  };
}

/** The model's own spec.training.data. */
function modelPart(spec: ResolvedSpec, role: DataRole): PlannedPart {
  const d = spec.training.data;
  if (d.postgres) return query(role, d.postgres.query, d.postgres.secretRef);
  if (d.gcs) return { role, source: { gcs: { uri: d.gcs.uri } } };
  throw new SpecProblem('spec.training.data', 'no data source set');
}

function currentPart(request: RetrainRequest): PlannedPart {
  const c = request.current;
  if ('postgres' in c) return query('current', c.postgres.query, c.postgres.secretRef);
  return { role: 'current', source: { predictions: c.predictions } };
}

/** A recorded part the Job can read again; a query recorded without its Secret cannot be. */
function fromOrigin(origin: DataOrigin): PlannedPart | undefined {
  if ('postgres' in origin) {
    const ref = origin.postgres.secretRef;
    return ref ? query('reference', origin.postgres.query, ref) : undefined;
  }
  if ('predictions' in origin) return { role: 'reference', source: origin };
  if ('gcs' in origin) return { role: 'reference', source: origin };
  return undefined;
}

/**
 * The production version's data, part by part as its lineage recorded it; the model's own data
 * when there is no production version or its lineage cannot be read again (trained before
 * lineage was recorded, or from a file only that Job could see).
 */
function referenceParts(spec: ResolvedSpec, production: ModelVersion | undefined): PlannedPart[] {
  const recorded = production?.lineage?.data.parts.map((p) => fromOrigin(p.origin));
  if (recorded?.length && recorded.every((p) => p !== undefined)) return recorded as PlannedPart[];
  return [modelPart(spec, 'reference')];
}

function triggerOf(i: TrainingDataInputs): TrainingTrigger {
  if (i.request) {
    return {
      kind: 'drift',
      driftReportId: i.request.reportId,
      monitor: `${i.namespace}/${i.request.monitor}`,
    };
  }
  if (i.reason === 'RetrainRequested') return { kind: 'manual', detail: i.token };
  if (i.reason === 'ScheduleDue') return { kind: 'schedule', detail: i.token };
  return { kind: 'spec', detail: i.reason };
}

export function planTrainingData(i: TrainingDataInputs): TrainingDataPlan {
  const trigger = triggerOf(i);
  const choice: DataChoice = i.request?.data ?? 'Model';
  let parts: PlannedPart[];
  if (!i.request || choice === 'Model') parts = [modelPart(i.spec, 'model')];
  else if (choice === 'Current') parts = [currentPart(i.request)];
  else parts = [...referenceParts(i.spec, i.production), currentPart(i.request)];
  if (parts.length > MAX_DATA_PARTS) {
    throw new SpecProblem(
      'spec.action.retrain.data',
      `ReferenceAndCurrent would read ${parts.length} parts (at most ${MAX_DATA_PARTS}); retrain once on Current or Model data`,
    );
  }
  // Each query part reads its URL from an env var of its own: the parts may use different Secrets.
  const several = parts.length > 1;
  parts = parts.map((p, n) =>
    'postgres' in p.source
      ? { ...p, source: { postgres: { ...p.source.postgres, urlEnv: urlEnvOf(n, several) } } }
      : p,
  );
  return { choice, parts, trigger };
}

/** The Job spec's data: one source as today when there is one part of the model's own data. */
export function jobData(
  plan: TrainingDataPlan,
): TrainingDataSource | { parts: { role: DataRole; source: TrainingDataSource }[] } {
  if (plan.parts.length === 1 && plan.parts[0].role === 'model') return plan.parts[0].source;
  return { parts: plan.parts.map((p) => ({ role: p.role, source: p.source })) };
}
