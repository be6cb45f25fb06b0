// Model versions: registration (number allocation and idempotency), reads and archiving, and
// loading a version's artifact from whichever store wrote it.
//
// Registration runs in one transaction under the model's row lock: the next number is max + 1,
// so concurrent trainers get distinct, gap-free numbers, and unique (model, run_id) is checked
// under the same lock, so a retried Job gets back the version its first attempt registered.
import type pg from 'pg';
import type { ModelArtifact, ModelMetrics } from '@persona-operator/core/artifact/types';
import type { GcsClientOptions } from './artifacts/gcs.ts';
import { readArtifactUri } from './artifacts/index.ts';
import { PostgresArtifactStore } from './artifacts/postgres.ts';
import type { ArtifactStore } from './artifacts/store.ts';
import { transaction } from './db.ts';
import { RegistryConflictError, RegistryError, RegistryNotFoundError } from './errors.ts';
import { parseLineage, type VersionLineage } from './lineage.ts';
import {
  describeModel,
  getModel,
  lockModel,
  modelNotFound,
  type ModelRef,
  type VersionRef,
} from './models.ts';

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
  /** Why it was trained and on which data; null for versions registered without it. */
  lineage: VersionLineage | null;
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
  /** Why it was trained and on which data. */
  lineage?: VersionLineage;
}

export interface RegisterVersionResult {
  version: ModelVersion;
  /** False when this run had already registered the version (a retried Job). */
  created: boolean;
}

/** The select list for a ModelVersion over `model_versions v JOIN models m`. */
export const VERSION_COLUMNS = `m.namespace, m.name, v.version, v.status, v.run_id, v.metrics, v.params, v.data_hash,
  v.artifact_uri, v.created_at, v.lineage,
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
  lineage: unknown;
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
  lineage: r.lineage === null ? null : parseLineage(r.lineage),
});

export const versionNotFound = (ref: ModelRef, version: number): RegistryNotFoundError =>
  new RegistryNotFoundError(`model ${describeModel(ref)} has no version ${version}`);

function paramsOf(artifact: ModelArtifact): Record<string, unknown> {
  const t = artifact.training;
  return { mode: t.mode, k: t.kRange, nInit: t.nInit, seed: t.seed, rows: t.rows };
}

/**
 * Registers the artifact as the model's next version, or returns the version this run id
 * already registered. The artifact is written through `store` inside the transaction, so a
 * failed upload registers nothing; its `model` field is set to the allocated version.
 */
export async function registerVersion(
  pool: pg.Pool,
  input: RegisterVersionInput,
): Promise<RegisterVersionResult> {
  if (!input.runId) throw new RegistryError('registerVersion: runId is required');
  const store = input.store ?? new PostgresArtifactStore();
  const outcome = await transaction(pool, async (c) => {
    const model = await lockModel(c, input.model, true);
    if (model.archived_at) {
      throw new RegistryError(`model ${describeModel(input.model)} is archived; ensureModel() revives it`);
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
    const lineage = input.lineage === undefined ? null : parseLineage(input.lineage);
    await c.query(
      `INSERT INTO model_versions
         (model_id, version, run_id, metrics, params, data_hash, artifact_uri, lineage, drift_report_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        model.id,
        ref.version,
        input.runId,
        JSON.stringify(artifact.metrics),
        JSON.stringify(input.params ?? paramsOf(artifact)),
        artifact.training?.dataHash ?? null,
        store.uriFor(ref),
        lineage === null ? null : JSON.stringify(lineage),
        lineage?.trigger?.kind === 'drift' ? (lineage.trigger.driftReportId ?? null) : null,
      ],
    );
    await store.put(ref, artifact, { db: c, modelId: Number(model.id) });
    return { version: ref.version, created: true };
  });
  const version = await getVersion(pool, { ...input.model, version: outcome.version });
  return { version, created: outcome.created };
}

export async function getVersion(pool: pg.Pool, ref: VersionRef): Promise<ModelVersion> {
  const res = await pool.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND v.version = $3`,
    [ref.namespace, ref.name, ref.version],
  );
  if (!res.rows[0]) throw versionNotFound(ref, ref.version);
  return toVersion(res.rows[0]);
}

/** The newest version that is not archived, if any. */
export async function latestVersion(pool: pg.Pool, ref: ModelRef): Promise<ModelVersion | undefined> {
  const res = await pool.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
     WHERE m.namespace = $1 AND m.name = $2 AND v.status = 'ready' ORDER BY v.version DESC LIMIT 1`,
    [ref.namespace, ref.name],
  );
  return res.rows[0] ? toVersion(res.rows[0]) : undefined;
}

/** Every version of the model, oldest first, with metrics and aliases. */
export async function listVersions(
  pool: pg.Pool,
  ref: ModelRef,
  opts: { includeArchived?: boolean } = {},
): Promise<ModelVersion[]> {
  const model = await getModel(pool, ref);
  if (!model) throw modelNotFound(ref);
  const res = await pool.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
     WHERE v.model_id = $1 AND ($2 OR v.status = 'ready') ORDER BY v.version`,
    [model.id, opts.includeArchived ?? true],
  );
  return res.rows.map(toVersion);
}

/** Archives one version; refused while an alias points at it. */
export async function archiveVersion(pool: pg.Pool, ref: VersionRef): Promise<ModelVersion> {
  await transaction(pool, async (c) => {
    const model = await lockModel(c, ref, false);
    const aliased = await c.query<{ alias: string }>(
      'SELECT alias FROM model_aliases WHERE model_id = $1 AND version = $2',
      [model.id, ref.version],
    );
    if (aliased.rows.length > 0) {
      const names = aliased.rows.map((r) => r.alias).join(', ');
      throw new RegistryConflictError(
        `version ${ref.version} of ${describeModel(ref)} is ${names}; move the alias first`,
      );
    }
    const res = await c.query(
      "UPDATE model_versions SET status = 'archived' WHERE model_id = $1 AND version = $2",
      [model.id, ref.version],
    );
    if (res.rowCount === 0) throw versionNotFound(ref, ref.version);
  });
  return getVersion(pool, ref);
}

/** Reads and validates the version's artifact from whichever store holds it. */
export async function loadArtifact(
  pool: pg.Pool,
  ref: VersionRef,
  gcs: GcsClientOptions | undefined,
): Promise<ModelArtifact> {
  const version = await getVersion(pool, ref);
  return readArtifactUri(version.artifactUri, { db: pool, gcs });
}
