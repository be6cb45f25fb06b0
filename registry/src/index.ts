// The registry API shared by the operator, the trainer, the drift checker and the predictor.
export { Registry, type RegistryOptions } from './registry.ts';
export { migrate, SCHEMA_TABLE, type MigrationResult } from './migrate.ts';
export {
  RegistryError,
  RegistryNotFoundError,
  RegistryConflictError,
  isTransientDbError,
  classifyDbError,
  sqlState,
  type DbFailure,
} from './errors.ts';
export { isPostgresUrl } from './url.ts';
export type { ModelRef, VersionRef, ModelRecord } from './models.ts';
export type { ModelVersion, VersionStatus, RegisterVersionInput, RegisterVersionResult } from './versions.ts';
export type { AliasAction, AliasEvent, AliasChangeOptions, AliasChange } from './aliases.ts';
export type { TrainingRun, TrainingRunStatus } from './runs.ts';
export type { Trial, RecordTrialsResult } from './trials.ts';
export type { DriftColumnResult, DriftReport, DriftReportInput } from './drift-reports.ts';
export type { PredictionLogEntry } from './prediction-log.ts';
export type { StoredVersionDiff } from './version-diffs.ts';
export {
  describeDataParts,
  describeDataShort,
  describeTrigger,
  DATA_CHOICES,
  TRIGGER_KINDS,
  type DataChoice,
  type DataOrigin,
  type DataPartLineage,
  type DataRole,
  type TrainingTrigger,
  type TriggerKind,
  type VersionLineage,
} from './lineage.ts';
export type { Page, PageRequest, DriftHistoryPoint, PersonaTrafficBucket } from './browse.ts';
