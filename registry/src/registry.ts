// The registry connection: one pool, and the aggregate modules' operations on it.
//
// Why a facade: the operator, both Jobs, the predictor and the CLI each hold one connection and
// hand narrow views of it (Pick<Registry, 'readPredictionLog'>, ReportSource) to the code they
// drive; one object with the pool bound keeps those seams. Each method only forwards to the
// module that owns the aggregate, where the SQL and its concurrency rules are.
import type pg from 'pg';
import type { ModelArtifact, ModelMetrics } from '@persona-operator/core/artifact/types';
import type { PersonaDiff } from '@persona-operator/core/personas/diff';
import * as aliases from './aliases.ts';
import * as browse from './browse.ts';
import type { PageRequest } from './browse.ts';
import type { AliasChangeOptions } from './aliases.ts';
import type { GcsClientOptions } from './artifacts/gcs.ts';
import { openPool, type PoolOptions } from './db.ts';
import * as driftReports from './drift-reports.ts';
import type { DriftReportInput } from './drift-reports.ts';
import { migrate, type MigrationResult } from './migrate.ts';
import * as models from './models.ts';
import type { ModelRef, VersionRef } from './models.ts';
import * as predictionLog from './prediction-log.ts';
import type { PredictionLogEntry } from './prediction-log.ts';
import * as runs from './runs.ts';
import * as trials from './trials.ts';
import type { Trial } from './trials.ts';
import * as versionDiffs from './version-diffs.ts';
import * as versions from './versions.ts';
import type { RegisterVersionInput } from './versions.ts';

export interface RegistryOptions extends PoolOptions {
  /** How gs:// artifacts are read (endpoint, project). */
  gcs?: GcsClientOptions;
}

export class Registry {
  private constructor(
    /** The connection pool, for callers that need a query the API lacks (tests, tools). */
    readonly pool: pg.Pool,
    private readonly options: RegistryOptions,
  ) {}

  /** Opens a pool and checks the database answers (so an unreachable registry fails here). */
  static async connect(url: string, opts: RegistryOptions = {}): Promise<Registry> {
    return new Registry(await openPool(url, opts), opts);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Brings the schema up to date (safe when several processes do it at once). */
  async migrate(): Promise<MigrationResult> {
    const client = await this.pool.connect();
    try {
      return await migrate(client);
    } finally {
      client.release();
    }
  }

  ensureModel(ref: ModelRef) {
    return models.ensureModel(this.pool, ref);
  }
  getModel(ref: ModelRef) {
    return models.getModel(this.pool, ref);
  }
  listModels(opts?: { includeArchived?: boolean }) {
    return models.listModels(this.pool, opts);
  }
  archiveModel(ref: ModelRef) {
    return models.archiveModel(this.pool, ref);
  }

  registerVersion(input: RegisterVersionInput) {
    return versions.registerVersion(this.pool, input);
  }
  getVersion(ref: VersionRef) {
    return versions.getVersion(this.pool, ref);
  }
  latestVersion(ref: ModelRef) {
    return versions.latestVersion(this.pool, ref);
  }
  listVersions(ref: ModelRef, opts?: { includeArchived?: boolean }) {
    return versions.listVersions(this.pool, ref, opts);
  }
  archiveVersion(ref: VersionRef) {
    return versions.archiveVersion(this.pool, ref);
  }
  loadArtifact(ref: VersionRef): Promise<ModelArtifact> {
    return versions.loadArtifact(this.pool, ref, this.options.gcs);
  }

  storeVersionDiff(ref: ModelRef, diff: PersonaDiff) {
    return versionDiffs.storeVersionDiff(this.pool, ref, diff);
  }
  getVersionDiff(ref: ModelRef, fromVersion: number, toVersion: number) {
    return versionDiffs.getVersionDiff(this.pool, ref, fromVersion, toVersion);
  }

  aliasVersion(ref: ModelRef, alias: string) {
    return aliases.aliasVersion(this.pool, ref, alias);
  }
  productionVersion(ref: ModelRef) {
    return aliases.aliasVersion(this.pool, ref, 'production');
  }
  setAlias(ref: ModelRef, alias: string, version: number, opts: AliasChangeOptions) {
    return aliases.setAlias(this.pool, ref, alias, version, opts);
  }
  removeAlias(ref: ModelRef, alias: string, opts: AliasChangeOptions) {
    return aliases.removeAlias(this.pool, ref, alias, opts);
  }
  recordRefusal(
    ref: ModelRef,
    alias: string,
    version: number,
    opts: Omit<AliasChangeOptions, 'expectedVersion'>,
  ) {
    return aliases.recordRefusal(this.pool, ref, alias, version, opts);
  }
  listAliasEvents(ref: ModelRef, opts?: { alias?: string; limit?: number }) {
    return aliases.listAliasEvents(this.pool, ref, opts);
  }

  startTrainingRun(ref: ModelRef, runId: string, params: Record<string, unknown>) {
    return runs.startTrainingRun(this.pool, ref, runId, params);
  }
  joinTrainingRun(ref: ModelRef, runId: string, params: Record<string, unknown>) {
    return runs.joinTrainingRun(this.pool, ref, runId, params);
  }
  finishTrainingRun(ref: ModelRef, runId: string, result: { metrics: ModelMetrics; version: number }) {
    return runs.finishTrainingRun(this.pool, ref, runId, result);
  }
  failTrainingRun(ref: ModelRef, runId: string, error: string) {
    return runs.failTrainingRun(this.pool, ref, runId, error);
  }
  getTrainingRun(ref: ModelRef, runId: string) {
    return runs.getTrainingRun(this.pool, ref, runId);
  }
  listTrainingRuns(ref: ModelRef, opts?: { limit?: number }) {
    return runs.listTrainingRuns(this.pool, ref, opts);
  }
  recordTrials(ref: ModelRef, runId: string, fits: readonly Trial[]) {
    return trials.recordTrials(this.pool, ref, runId, fits);
  }
  listTrials(ref: ModelRef, runId: string) {
    return trials.listTrials(this.pool, ref, runId);
  }

  insertDriftReport(input: DriftReportInput) {
    return driftReports.insertDriftReport(this.pool, input);
  }
  getDriftReportByRun(monitor: string, runId: string) {
    return driftReports.getDriftReportByRun(this.pool, monitor, runId);
  }
  getDriftReport(id: number) {
    return driftReports.getDriftReport(this.pool, id);
  }
  listDriftReports(monitor: string, opts?: { limit?: number }) {
    return driftReports.listDriftReports(this.pool, monitor, opts);
  }

  versionPage(ref: ModelRef, page: PageRequest) {
    return browse.versionPage(this.pool, ref, page);
  }
  aliasEventPage(ref: ModelRef, page: PageRequest) {
    return browse.aliasEventPage(this.pool, ref, page);
  }
  aliasEventsOfVersions(ref: ModelRef, versions: readonly number[]) {
    return browse.aliasEventsOfVersions(this.pool, ref, versions);
  }
  driftHistoryPage(monitor: string, page: PageRequest) {
    return browse.driftHistoryPage(this.pool, monitor, page);
  }
  personaTraffic(ref: ModelRef, opts: { since: Date; until: Date; bucketSeconds: number }) {
    return browse.personaTraffic(this.pool, ref, opts);
  }

  insertPredictionLog(entries: readonly PredictionLogEntry[]) {
    return predictionLog.insertPredictionLog(this.pool, entries);
  }
  readPredictionLog(ref: ModelRef, opts: { since: Date; until?: Date; version?: number; limit?: number }) {
    return predictionLog.readPredictionLog(this.pool, ref, opts);
  }
  prunePredictionLog(before: Date) {
    return predictionLog.prunePredictionLog(this.pool, before);
  }
}
