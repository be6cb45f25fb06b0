// The model registry: every model version, its metrics, its artifact's location, alias history,
// training runs, drift reports and the prediction log, in Postgres. The operator, the trainer,
// the drift checker and the predictor all go through this class.
//
// Concurrency rules, all enforced inside single transactions:
//  - version numbers: the model row is locked FOR UPDATE and the next number is max + 1, so
//    concurrent trainers get distinct, gap-free numbers;
//  - idempotency: unique (model, run_id), checked under the same lock, so a retried Job returns
//    the version its first attempt registered;
//  - aliases: one row per (model, alias) and the alias change and its event commit together.
import pg from 'pg';
import type { ModelArtifact, ModelMetrics } from '@persona-operator/core/artifact/types';
import { readArtifactUri } from './artifacts/index.ts';
import type { GcsClientOptions } from './artifacts/gcs.ts';
import { PostgresArtifactStore } from './artifacts/postgres.ts';
import { RegistryConflictError, RegistryError, RegistryNotFoundError } from './errors.ts';
import { migrate, type MigrationResult } from './migrate.ts';
import {
  DRIFT_COLUMNS,
  EVENT_COLUMNS,
  RUN_COLUMNS,
  toDriftReport,
  toEvent,
  toModel,
  toRun,
  toVersion,
  VERSION_COLUMNS,
  type DriftRow,
  type EventRow,
  type ModelRow,
  type RunRow,
  type VersionRow,
} from './rows.ts';
import type {
  AliasChange,
  AliasChangeOptions,
  AliasEvent,
  DriftReport,
  DriftReportInput,
  ModelRecord,
  ModelRef,
  ModelVersion,
  PredictionLogEntry,
  RegisterVersionInput,
  RegisterVersionResult,
  TrainingRun,
  VersionRef,
} from './types.ts';

export interface RegistryOptions {
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Pool size (default 4). */
  max?: number;
  /** How long to wait for a connection before failing (default 10 s). */
  connectTimeoutMs?: number;
  /** How gs:// artifacts are read (endpoint, project). */
  gcs?: GcsClientOptions;
}

const ALIAS_RE = /^[a-z][a-z0-9-]{0,62}$/;
const fmt = (m: ModelRef): string => `${m.namespace}/${m.name}`;

export class Registry {
  private constructor(
    /** The connection pool, for callers that need a query the API lacks (tests, tools). */
    readonly pool: pg.Pool,
    private readonly options: RegistryOptions,
  ) {}

  /** Opens a pool and checks the database answers (so an unreachable registry fails here). */
  static async connect(url: string, opts: RegistryOptions = {}): Promise<Registry> {
    const pool = new pg.Pool({
      connectionString: url,
      application_name: opts.applicationName ?? 'persona',
      max: opts.max ?? 4,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    });
    // An idle client losing its connection (Postgres restarted) emits here; the pool discards
    // it and the next query reconnects, so this must not crash the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new Registry(pool, opts);
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

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  // ---- models ----

  /** Creates the model if needed and un-archives it (a re-created PersonaModel lives again). */
  async ensureModel(ref: ModelRef): Promise<ModelRecord> {
    checkModelRef(ref);
    const res = await this.pool.query<ModelRow>(
      `INSERT INTO models (namespace, name) VALUES ($1, $2)
       ON CONFLICT (namespace, name) DO UPDATE SET archived_at = NULL
       RETURNING id, namespace, name, created_at, archived_at`,
      [ref.namespace, ref.name],
    );
    return toModel(res.rows[0]);
  }

  async getModel(ref: ModelRef): Promise<ModelRecord | undefined> {
    const res = await this.pool.query<ModelRow>(
      'SELECT id, namespace, name, created_at, archived_at FROM models WHERE namespace = $1 AND name = $2',
      [ref.namespace, ref.name],
    );
    return res.rows[0] ? toModel(res.rows[0]) : undefined;
  }

  async listModels(opts: { includeArchived?: boolean } = {}): Promise<ModelRecord[]> {
    const res = await this.pool.query<ModelRow>(
      `SELECT id, namespace, name, created_at, archived_at FROM models
       WHERE $1 OR archived_at IS NULL ORDER BY namespace, name`,
      [opts.includeArchived ?? false],
    );
    return res.rows.map(toModel);
  }

  /** Marks the model archived (its versions, aliases and history stay readable). */
  async archiveModel(ref: ModelRef): Promise<ModelRecord> {
    const res = await this.pool.query<ModelRow>(
      `UPDATE models SET archived_at = COALESCE(archived_at, now()) WHERE namespace = $1 AND name = $2
       RETURNING id, namespace, name, created_at, archived_at`,
      [ref.namespace, ref.name],
    );
    if (!res.rows[0]) throw new RegistryNotFoundError(`model ${fmt(ref)} is not in the registry`);
    return toModel(res.rows[0]);
  }

  /** Locks the model row for the rest of the transaction, creating the model if needed. */
  private async lockModel(c: pg.PoolClient, ref: ModelRef, create: boolean): Promise<ModelRow> {
    checkModelRef(ref);
    if (create) {
      await c.query('INSERT INTO models (namespace, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        ref.namespace,
        ref.name,
      ]);
    }
    const res = await c.query<ModelRow>(
      `SELECT id, namespace, name, created_at, archived_at FROM models
       WHERE namespace = $1 AND name = $2 FOR UPDATE`,
      [ref.namespace, ref.name],
    );
    if (!res.rows[0]) throw new RegistryNotFoundError(`model ${fmt(ref)} is not in the registry`);
    return res.rows[0];
  }

  // ---- versions ----

  /**
   * Registers the artifact as the model's next version, or returns the version this run id
   * already registered. The artifact is written through `store` inside the transaction, so a
   * failed upload registers nothing; its `model` field is set to the allocated version.
   */
  async registerVersion(input: RegisterVersionInput): Promise<RegisterVersionResult> {
    if (!input.runId) throw new RegistryError('registerVersion: runId is required');
    const store = input.store ?? new PostgresArtifactStore();
    const outcome = await this.tx(async (c) => {
      const model = await this.lockModel(c, input.model, true);
      if (model.archived_at) {
        throw new RegistryError(`model ${fmt(input.model)} is archived; ensureModel() revives it`);
      }
      const existing = await c.query<{ version: number }>(
        'SELECT version FROM model_versions WHERE model_id = $1 AND run_id = $2',
        [model.id, input.runId],
      );
      if (existing.rows[0]) return { version: existing.rows[0].version, created: false };
      const next = await c.query<{ next: number }>(
        'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM model_versions WHERE model_id = $1',
        [model.id],
      );
      const ref = { namespace: model.namespace, name: model.name, version: next.rows[0].next };
      const artifact: ModelArtifact = { ...input.artifact, model: ref };
      await c.query(
        `INSERT INTO model_versions (model_id, version, run_id, metrics, params, data_hash, artifact_uri)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          model.id,
          ref.version,
          input.runId,
          JSON.stringify(artifact.metrics),
          JSON.stringify(input.params ?? paramsOf(artifact)),
          artifact.training?.dataHash ?? null,
          store.uriFor(ref),
        ],
      );
      await store.put(ref, artifact, { db: c, modelId: Number(model.id) });
      return { version: ref.version, created: true };
    });
    const version = await this.getVersion({ ...input.model, version: outcome.version });
    return { version, created: outcome.created };
  }

  async getVersion(ref: VersionRef): Promise<ModelVersion> {
    const res = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
       WHERE m.namespace = $1 AND m.name = $2 AND v.version = $3`,
      [ref.namespace, ref.name, ref.version],
    );
    if (!res.rows[0]) throw new RegistryNotFoundError(`model ${fmt(ref)} has no version ${ref.version}`);
    return toVersion(res.rows[0]);
  }

  /** The newest version that is not archived, if any. */
  async latestVersion(ref: ModelRef): Promise<ModelVersion | undefined> {
    const res = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
       WHERE m.namespace = $1 AND m.name = $2 AND v.status = 'ready' ORDER BY v.version DESC LIMIT 1`,
      [ref.namespace, ref.name],
    );
    return res.rows[0] ? toVersion(res.rows[0]) : undefined;
  }

  /** The version an alias points at, if the alias is set. */
  async aliasVersion(ref: ModelRef, alias: string): Promise<ModelVersion | undefined> {
    const res = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_aliases al
       JOIN models m ON m.id = al.model_id
       JOIN model_versions v ON v.model_id = al.model_id AND v.version = al.version
       WHERE m.namespace = $1 AND m.name = $2 AND al.alias = $3`,
      [ref.namespace, ref.name, alias],
    );
    return res.rows[0] ? toVersion(res.rows[0]) : undefined;
  }

  async productionVersion(ref: ModelRef): Promise<ModelVersion | undefined> {
    return this.aliasVersion(ref, 'production');
  }

  /** Every version of the model, oldest first, with metrics and aliases. */
  async listVersions(ref: ModelRef, opts: { includeArchived?: boolean } = {}): Promise<ModelVersion[]> {
    const model = await this.getModel(ref);
    if (!model) throw new RegistryNotFoundError(`model ${fmt(ref)} is not in the registry`);
    const res = await this.pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
       WHERE v.model_id = $1 AND ($2 OR v.status = 'ready') ORDER BY v.version`,
      [model.id, opts.includeArchived ?? true],
    );
    return res.rows.map(toVersion);
  }

  /** Archives one version; refused while an alias points at it. */
  async archiveVersion(ref: VersionRef): Promise<ModelVersion> {
    await this.tx(async (c) => {
      const model = await this.lockModel(c, ref, false);
      const aliased = await c.query<{ alias: string }>(
        'SELECT alias FROM model_aliases WHERE model_id = $1 AND version = $2',
        [model.id, ref.version],
      );
      if (aliased.rows.length > 0) {
        const names = aliased.rows.map((r) => r.alias).join(', ');
        throw new RegistryConflictError(
          `version ${ref.version} of ${fmt(ref)} is ${names}; move the alias first`,
        );
      }
      const res = await c.query(
        "UPDATE model_versions SET status = 'archived' WHERE model_id = $1 AND version = $2",
        [model.id, ref.version],
      );
      if (res.rowCount === 0)
        throw new RegistryNotFoundError(`model ${fmt(ref)} has no version ${ref.version}`);
    });
    return this.getVersion(ref);
  }

  /** Reads and validates the version's artifact from whichever store holds it. */
  async loadArtifact(ref: VersionRef): Promise<ModelArtifact> {
    const version = await this.getVersion(ref);
    return readArtifactUri(version.artifactUri, { db: this.pool, gcs: this.options.gcs });
  }

  // ---- aliases ----

  /**
   * Points `alias` at `version` and records the event (promote, or rollback when moving to an
   * older version) in one transaction. Setting the version it already has changes nothing.
   */
  async setAlias(
    ref: ModelRef,
    alias: string,
    version: number,
    opts: AliasChangeOptions,
  ): Promise<AliasChange> {
    checkAlias(alias);
    checkActor(opts);
    return this.tx(async (c) => {
      const model = await this.lockModel(c, ref, false);
      const target = await c.query<{ status: string }>(
        'SELECT status FROM model_versions WHERE model_id = $1 AND version = $2',
        [model.id, version],
      );
      if (!target.rows[0]) throw new RegistryNotFoundError(`model ${fmt(ref)} has no version ${version}`);
      if (target.rows[0].status !== 'ready') {
        throw new RegistryError(`version ${version} of ${fmt(ref)} is ${target.rows[0].status}`);
      }
      const current = await this.currentAlias(c, model.id, alias);
      checkExpected(ref, alias, current, opts);
      if (current === version) {
        return { changed: false, event: await this.lastEvent(c, model.id, alias) };
      }
      await c.query(
        `INSERT INTO model_aliases (model_id, alias, version) VALUES ($1, $2, $3)
         ON CONFLICT (model_id, alias) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
        [model.id, alias, version],
      );
      const action = current !== null && version < current ? 'rollback' : 'promote';
      const event = await this.insertEvent(c, model.id, alias, action, current, version, opts);
      return { changed: true, event };
    });
  }

  /** Unsets an alias and records the event; null when it was not set. */
  async removeAlias(ref: ModelRef, alias: string, opts: AliasChangeOptions): Promise<AliasEvent | null> {
    checkActor(opts);
    return this.tx(async (c) => {
      const model = await this.lockModel(c, ref, false);
      const current = await this.currentAlias(c, model.id, alias);
      checkExpected(ref, alias, current, opts);
      if (current === null) return null;
      await c.query('DELETE FROM model_aliases WHERE model_id = $1 AND alias = $2', [model.id, alias]);
      return this.insertEvent(c, model.id, alias, 'remove', current, null, opts);
    });
  }

  /** Records that promoting `version` to `alias` was refused (the gate said no), with why. */
  async recordRefusal(
    ref: ModelRef,
    alias: string,
    version: number,
    opts: Omit<AliasChangeOptions, 'expectedVersion'>,
  ): Promise<AliasEvent> {
    checkAlias(alias);
    checkActor(opts);
    return this.tx(async (c) => {
      const model = await this.lockModel(c, ref, false);
      const current = await this.currentAlias(c, model.id, alias);
      return this.insertEvent(c, model.id, alias, 'refuse', current, version, opts);
    });
  }

  /**
   * Alias events of the model, newest first. Ordered by id: ids are taken under the model lock,
   * so they follow commit order, while a waiting transaction's now() can predate the winner's.
   */
  async listAliasEvents(ref: ModelRef, opts: { alias?: string; limit?: number } = {}): Promise<AliasEvent[]> {
    const res = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM alias_events e JOIN models m ON m.id = e.model_id
       WHERE m.namespace = $1 AND m.name = $2 AND ($3::text IS NULL OR e.alias = $3)
       ORDER BY e.id DESC LIMIT $4`,
      [ref.namespace, ref.name, opts.alias ?? null, opts.limit ?? 100],
    );
    return res.rows.map(toEvent);
  }

  private async currentAlias(c: pg.PoolClient, modelId: string, alias: string): Promise<number | null> {
    const res = await c.query<{ version: number }>(
      'SELECT version FROM model_aliases WHERE model_id = $1 AND alias = $2',
      [modelId, alias],
    );
    return res.rows[0]?.version ?? null;
  }

  private async lastEvent(c: pg.PoolClient, modelId: string, alias: string): Promise<AliasEvent | null> {
    const res = await c.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM alias_events e JOIN models m ON m.id = e.model_id
       WHERE e.model_id = $1 AND e.alias = $2 ORDER BY e.id DESC LIMIT 1`,
      [modelId, alias],
    );
    return res.rows[0] ? toEvent(res.rows[0]) : null;
  }

  private async insertEvent(
    c: pg.PoolClient,
    modelId: string,
    alias: string,
    action: AliasEvent['action'],
    from: number | null,
    to: number | null,
    opts: Pick<AliasChangeOptions, 'actor' | 'reason'>,
  ): Promise<AliasEvent> {
    const res = await c.query<EventRow>(
      `WITH e AS (
         INSERT INTO alias_events (model_id, alias, action, from_version, to_version, actor, reason, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp()) RETURNING *)
       SELECT ${EVENT_COLUMNS} FROM e JOIN models m ON m.id = e.model_id`,
      [modelId, alias, action, from, to, opts.actor, opts.reason],
    );
    return toEvent(res.rows[0]);
  }

  // ---- training runs ----

  /**
   * Records that a run started; a retried Job (same run id) bumps `attempts`. A run that
   * already succeeded stays succeeded, so its retry can find its version and exit.
   */
  async startTrainingRun(
    ref: ModelRef,
    runId: string,
    params: Record<string, unknown>,
  ): Promise<TrainingRun> {
    if (!runId) throw new RegistryError('startTrainingRun: runId is required');
    return this.tx(async (c) => {
      const model = await this.lockModel(c, ref, true);
      const res = await c.query<{ id: string }>(
        `INSERT INTO training_runs (model_id, run_id, status, params) VALUES ($1, $2, 'running', $3)
         ON CONFLICT (model_id, run_id) DO UPDATE SET
           attempts = training_runs.attempts + 1,
           params = EXCLUDED.params,
           status = CASE WHEN training_runs.status = 'succeeded' THEN 'succeeded' ELSE 'running' END,
           started_at = CASE WHEN training_runs.status = 'succeeded' THEN training_runs.started_at ELSE now() END,
           finished_at = CASE WHEN training_runs.status = 'succeeded' THEN training_runs.finished_at END,
           error = NULL
         RETURNING id`,
        [model.id, runId, JSON.stringify(params)],
      );
      return this.runById(c, res.rows[0].id);
    });
  }

  async finishTrainingRun(
    ref: ModelRef,
    runId: string,
    result: { metrics: ModelMetrics; version: number },
  ): Promise<TrainingRun> {
    return this.updateRun(
      ref,
      runId,
      `status = 'succeeded', metrics = $3, version = $4, finished_at = now(), error = NULL`,
      [JSON.stringify(result.metrics), result.version],
    );
  }

  /** Marks the run failed with the error message (never over a run that already succeeded). */
  async failTrainingRun(ref: ModelRef, runId: string, error: string): Promise<TrainingRun> {
    return this.updateRun(
      ref,
      runId,
      `status = CASE WHEN status = 'succeeded' THEN status ELSE 'failed' END,
       error = CASE WHEN status = 'succeeded' THEN error ELSE $3 END,
       finished_at = CASE WHEN status = 'succeeded' THEN finished_at ELSE now() END`,
      [error],
    );
  }

  async getTrainingRun(ref: ModelRef, runId: string): Promise<TrainingRun | undefined> {
    const res = await this.pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM training_runs r JOIN models m ON m.id = r.model_id
       WHERE m.namespace = $1 AND m.name = $2 AND r.run_id = $3`,
      [ref.namespace, ref.name, runId],
    );
    return res.rows[0] ? toRun(res.rows[0]) : undefined;
  }

  /** Training runs of the model, newest first. */
  async listTrainingRuns(ref: ModelRef, opts: { limit?: number } = {}): Promise<TrainingRun[]> {
    const res = await this.pool.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM training_runs r JOIN models m ON m.id = r.model_id
       WHERE m.namespace = $1 AND m.name = $2 ORDER BY r.started_at DESC, r.id DESC LIMIT $3`,
      [ref.namespace, ref.name, opts.limit ?? 100],
    );
    return res.rows.map(toRun);
  }

  private async updateRun(
    ref: ModelRef,
    runId: string,
    set: string,
    values: unknown[],
  ): Promise<TrainingRun> {
    const res = await this.pool.query<{ id: string }>(
      `UPDATE training_runs r SET ${set} FROM models m
       WHERE m.id = r.model_id AND m.namespace = $1 AND m.name = $2 AND r.run_id = $${values.length + 3}
       RETURNING r.id`,
      [ref.namespace, ref.name, ...values, runId],
    );
    if (!res.rows[0]) throw new RegistryNotFoundError(`model ${fmt(ref)} has no training run ${runId}`);
    return this.runById(this.pool, res.rows[0].id);
  }

  private async runById(db: pg.Pool | pg.PoolClient, id: string): Promise<TrainingRun> {
    const res = await db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM training_runs r JOIN models m ON m.id = r.model_id WHERE r.id = $1`,
      [id],
    );
    return toRun(res.rows[0]);
  }

  // ---- drift reports ----

  /**
   * Stores a drift report. With a runId the insert is idempotent: when the monitor already has
   * a report for that run (a retried Job), that report is returned and nothing is written.
   */
  async insertDriftReport(input: DriftReportInput): Promise<DriftReport> {
    if (input.runId !== undefined && input.runId === '') {
      throw new RegistryError('insertDriftReport: runId must not be empty');
    }
    const res = await this.pool.query<{ id: string }>(
      `INSERT INTO drift_reports (monitor, model_id, version, drift_detected, share, columns, summary, html, run_id)
       SELECT $1, m.id, $4, $5, $6, $7, $8, $9, $10 FROM models m WHERE m.namespace = $2 AND m.name = $3
       ON CONFLICT (monitor, run_id) WHERE run_id IS NOT NULL DO NOTHING
       RETURNING id`,
      [
        input.monitor,
        input.model.namespace,
        input.model.name,
        input.model.version,
        input.driftDetected,
        input.share,
        JSON.stringify(input.columns),
        JSON.stringify(input.summary ?? {}),
        input.html ?? null,
        input.runId ?? null,
      ],
    );
    if (!res.rows[0]) {
      const earlier = input.runId ? await this.getDriftReportByRun(input.monitor, input.runId) : undefined;
      if (earlier) return earlier;
      throw new RegistryNotFoundError(`model ${fmt(input.model)} is not in the registry`);
    }
    return (await this.getDriftReport(Number(res.rows[0].id)))!;
  }

  /** The report a drift Job stored for this monitor ("<namespace>/<name>") and run id, if any. */
  async getDriftReportByRun(monitor: string, runId: string): Promise<DriftReport | undefined> {
    const res = await this.pool.query<DriftRow>(
      `SELECT ${DRIFT_COLUMNS} FROM drift_reports d JOIN models m ON m.id = d.model_id
       WHERE d.monitor = $1 AND d.run_id = $2`,
      [monitor, runId],
    );
    return res.rows[0] ? toDriftReport(res.rows[0]) : undefined;
  }

  async getDriftReport(id: number): Promise<DriftReport | undefined> {
    const res = await this.pool.query<DriftRow>(
      `SELECT ${DRIFT_COLUMNS} FROM drift_reports d JOIN models m ON m.id = d.model_id WHERE d.id = $1`,
      [id],
    );
    return res.rows[0] ? toDriftReport(res.rows[0]) : undefined;
  }

  /** Reports of one DriftMonitor ("<namespace>/<name>"), newest first. */
  async listDriftReports(monitor: string, opts: { limit?: number } = {}): Promise<DriftReport[]> {
    const res = await this.pool.query<DriftRow>(
      `SELECT ${DRIFT_COLUMNS} FROM drift_reports d JOIN models m ON m.id = d.model_id
       WHERE d.monitor = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
      [monitor, opts.limit ?? 20],
    );
    return res.rows.map(toDriftReport);
  }

  // ---- prediction log ----

  /** Appends entries in one statement; an entry for an unknown model fails the whole batch. */
  async insertPredictionLog(entries: readonly PredictionLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.pool.query(
        `INSERT INTO prediction_log (model_id, version, at, features, persona)
         SELECT m.id, x.version, x.at, x.features, x.persona
         FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::jsonb[], $6::text[])
              WITH ORDINALITY AS x(namespace, name, version, at, features, persona, n)
         LEFT JOIN models m ON m.namespace = x.namespace AND m.name = x.name
         ORDER BY x.n`,
        [
          entries.map((e) => e.namespace),
          entries.map((e) => e.name),
          entries.map((e) => e.version),
          entries.map((e) => e.at.toISOString()),
          entries.map((e) => JSON.stringify(e.features)),
          entries.map((e) => e.persona),
        ],
      );
    } catch (err) {
      // The LEFT JOIN turns an unknown model into a NULL model_id: not-null violation.
      if ((err as { code?: string; column?: string }).code === '23502') {
        const known = await this.listModels({ includeArchived: true });
        const missing = entries.find(
          (e) => !known.some((m) => m.namespace === e.namespace && m.name === e.name),
        );
        if (missing) throw new RegistryNotFoundError(`model ${fmt(missing)} is not in the registry`);
      }
      throw err;
    }
  }

  /** Logged predictions of the model in [since, until), oldest first. */
  async readPredictionLog(
    ref: ModelRef,
    opts: { since: Date; until?: Date; version?: number; limit?: number },
  ): Promise<PredictionLogEntry[]> {
    const res = await this.pool.query<{
      namespace: string;
      name: string;
      version: number;
      at: Date;
      features: Record<string, unknown>;
      persona: string;
    }>(
      `SELECT m.namespace, m.name, p.version, p.at, p.features, p.persona
       FROM prediction_log p JOIN models m ON m.id = p.model_id
       WHERE m.namespace = $1 AND m.name = $2 AND p.at >= $3 AND ($4::timestamptz IS NULL OR p.at < $4)
         AND ($5::int IS NULL OR p.version = $5)
       ORDER BY p.at, p.id LIMIT $6`,
      [
        ref.namespace,
        ref.name,
        opts.since,
        opts.until ?? null,
        opts.version ?? null,
        opts.limit ?? 1_000_000,
      ],
    );
    return res.rows;
  }

  /** Deletes log entries older than `before`; returns how many. */
  async prunePredictionLog(before: Date): Promise<number> {
    const res = await this.pool.query('DELETE FROM prediction_log WHERE at < $1', [before]);
    return res.rowCount ?? 0;
  }
}

function checkModelRef(ref: ModelRef): void {
  if (!ref.namespace || !ref.name) {
    throw new RegistryError(`model reference needs a namespace and a name, got ${JSON.stringify(ref)}`);
  }
}

function checkAlias(alias: string): void {
  if (!ALIAS_RE.test(alias)) {
    throw new RegistryError(`alias ${JSON.stringify(alias)} must be lower-case letters, digits and dashes`);
  }
}

function checkActor(opts: Pick<AliasChangeOptions, 'actor' | 'reason'>): void {
  if (!opts.actor) throw new RegistryError('alias changes need an actor');
  if (typeof opts.reason !== 'string') throw new RegistryError('alias changes need a reason');
}

function checkExpected(ref: ModelRef, alias: string, current: number | null, opts: AliasChangeOptions): void {
  if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) {
    throw new RegistryConflictError(
      `${alias} of ${fmt(ref)} is ${current ?? 'unset'}, expected ${opts.expectedVersion ?? 'unset'}`,
    );
  }
}

function paramsOf(artifact: ModelArtifact): Record<string, unknown> {
  const t = artifact.training;
  return { mode: t.mode, k: t.kRange, nInit: t.nInit, seed: t.seed, rows: t.rows };
}
