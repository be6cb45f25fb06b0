// Row shapes as pg returns them, and their conversion: bigint ids arrive as strings.
import type { ModelMetrics } from '@persona-operator/core/artifact/types';
import type {
  AliasAction,
  AliasEvent,
  DriftColumnResult,
  DriftReport,
  ModelRecord,
  ModelVersion,
  TrainingRun,
  TrainingRunStatus,
  VersionStatus,
} from './types.ts';

const toNumber = (v: string | number): number => (typeof v === 'number' ? v : Number(v));

export interface ModelRow {
  id: string;
  namespace: string;
  name: string;
  created_at: Date;
  archived_at: Date | null;
}

export const toModel = (r: ModelRow): ModelRecord => ({
  id: toNumber(r.id),
  namespace: r.namespace,
  name: r.name,
  createdAt: r.created_at,
  archivedAt: r.archived_at,
});

export const VERSION_COLUMNS = `m.namespace, m.name, v.version, v.status, v.run_id, v.metrics, v.params, v.data_hash,
  v.artifact_uri, v.created_at,
  ARRAY(SELECT a.alias FROM model_aliases a
        WHERE a.model_id = v.model_id AND a.version = v.version ORDER BY a.alias) AS aliases`;

export interface VersionRow {
  namespace: string;
  name: string;
  version: number;
  status: VersionStatus;
  run_id: string;
  metrics: ModelMetrics;
  params: Record<string, unknown>;
  data_hash: string | null;
  artifact_uri: string;
  created_at: Date;
  aliases: string[];
}

export const toVersion = (r: VersionRow): ModelVersion => ({
  namespace: r.namespace,
  name: r.name,
  version: r.version,
  status: r.status,
  runId: r.run_id,
  metrics: r.metrics,
  params: r.params,
  dataHash: r.data_hash,
  artifactUri: r.artifact_uri,
  createdAt: r.created_at,
  aliases: r.aliases,
});

export const EVENT_COLUMNS = `e.id, m.namespace, m.name, e.alias, e.action, e.from_version, e.to_version, e.actor, e.reason, e.at`;

export interface EventRow {
  id: string;
  namespace: string;
  name: string;
  alias: string;
  action: AliasAction;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string;
  at: Date;
}

export const toEvent = (r: EventRow): AliasEvent => ({
  id: toNumber(r.id),
  namespace: r.namespace,
  name: r.name,
  alias: r.alias,
  action: r.action,
  fromVersion: r.from_version,
  toVersion: r.to_version,
  actor: r.actor,
  reason: r.reason,
  at: r.at,
});

export const RUN_COLUMNS = `r.id, m.namespace, m.name, r.run_id, r.status, r.params, r.metrics, r.version, r.attempts,
  r.started_at, r.finished_at, r.error`;

export interface RunRow {
  id: string;
  namespace: string;
  name: string;
  run_id: string;
  status: TrainingRunStatus;
  params: Record<string, unknown>;
  metrics: ModelMetrics | null;
  version: number | null;
  attempts: number;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
}

export const toRun = (r: RunRow): TrainingRun => ({
  id: toNumber(r.id),
  namespace: r.namespace,
  name: r.name,
  runId: r.run_id,
  status: r.status,
  params: r.params,
  metrics: r.metrics,
  version: r.version,
  attempts: r.attempts,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});

export const DRIFT_COLUMNS = `d.id, d.monitor, m.namespace, m.name, d.version, d.created_at, d.drift_detected, d.share,
  d.columns, d.summary, d.html, d.run_id`;

export interface DriftRow {
  id: string;
  monitor: string;
  namespace: string;
  name: string;
  version: number;
  created_at: Date;
  drift_detected: boolean;
  share: number;
  columns: DriftColumnResult[];
  summary: Record<string, unknown>;
  html: string | null;
  run_id: string | null;
}

export const toDriftReport = (r: DriftRow): DriftReport => ({
  id: toNumber(r.id),
  monitor: r.monitor,
  model: { namespace: r.namespace, name: r.name, version: r.version },
  createdAt: r.created_at,
  driftDetected: r.drift_detected,
  share: r.share,
  columns: r.columns,
  summary: r.summary,
  ...(r.html === null ? {} : { html: r.html }),
  ...(r.run_id === null ? {} : { runId: r.run_id }),
});
