// What the registry stores and returns. Numbers are numbers and times are Dates here: pg's
// strings for bigint ids are converted at the edge (rows.ts).
import type { ModelArtifact, ModelMetrics } from '@persona-operator/core/artifact/types';
import type { ArtifactStore } from './artifacts/store.ts';

export interface ModelRef {
  namespace: string;
  name: string;
}

export interface VersionRef extends ModelRef {
  version: number;
}

export interface ModelRecord extends ModelRef {
  id: number;
  createdAt: Date;
  archivedAt: Date | null;
}

export type VersionStatus = 'ready' | 'archived';

export interface ModelVersion extends VersionRef {
  status: VersionStatus;
  /** The training run (Job UID) that registered it. */
  runId: string;
  metrics: ModelMetrics;
  params: Record<string, unknown>;
  dataHash: string | null;
  artifactUri: string;
  createdAt: Date;
  /** Aliases pointing at this version, sorted (e.g. ["production"]). */
  aliases: string[];
}

export interface RegisterVersionInput {
  model: ModelRef;
  /** Idempotency key: the same run id never registers a second version. */
  runId: string;
  artifact: ModelArtifact;
  /** Where the artifact is written; the registry itself by default. */
  store?: ArtifactStore;
  /** Training parameters worth comparing across versions; derived from the artifact when omitted. */
  params?: Record<string, unknown>;
}

export interface RegisterVersionResult {
  version: ModelVersion;
  /** False when this run had already registered the version (a retried Job). */
  created: boolean;
}

export type AliasAction = 'promote' | 'rollback' | 'refuse' | 'remove';

export interface AliasEvent {
  id: number;
  namespace: string;
  name: string;
  alias: string;
  action: AliasAction;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string;
  at: Date;
}

export interface AliasChangeOptions {
  /** Who decided: "operator", "user:alice", ... */
  actor: string;
  reason: string;
  /**
   * Compare-and-set: the version the alias must point at now (null: unset), else
   * RegistryConflictError. Omit to set unconditionally.
   */
  expectedVersion?: number | null;
}

export interface AliasChange {
  /** False when the alias already pointed at that version (no new event then). */
  changed: boolean;
  /** The event written, or the latest one for the alias when nothing changed. */
  event: AliasEvent | null;
}

export type TrainingRunStatus = 'running' | 'succeeded' | 'failed';

export interface TrainingRun extends ModelRef {
  id: number;
  runId: string;
  status: TrainingRunStatus;
  params: Record<string, unknown>;
  metrics: ModelMetrics | null;
  version: number | null;
  /** How many times the run was started (Job retries reuse the run id). */
  attempts: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export interface DriftColumnResult {
  name: string;
  test: string;
  /** Null when the statistic is infinite (PSI of an empty bin): JSON has no Infinity. */
  statistic: number | null;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
}

export interface DriftReportInput {
  /** The DriftMonitor, as "<namespace>/<name>". */
  monitor: string;
  model: VersionRef;
  driftDetected: boolean;
  share: number;
  columns: DriftColumnResult[];
  /** Anything else worth keeping (row counts, windows, test settings). */
  summary?: Record<string, unknown>;
  html?: string;
  /**
   * The drift Job's run id (its UID): the operator looks the result up by (monitor, runId), and
   * a retried Job that already stored its report gets that report back instead of a second one.
   */
  runId?: string;
}

export interface DriftReport extends DriftReportInput {
  id: number;
  createdAt: Date;
  summary: Record<string, unknown>;
}

export interface PredictionLogEntry {
  namespace: string;
  name: string;
  version: number;
  at: Date;
  features: Record<string, unknown>;
  persona: string;
}
