// Paged reads for people browsing the registry (the operator's console): versions, alias
// history and drift history newest first, a page at a time by keyset (each page is one index
// range scan, however long the history), and prediction counts per persona over time buckets.
// Nothing here returns logged feature values: traffic is counted, never listed.
import type pg from 'pg';
import type { TestResultSummary } from '@persona-operator/core/drift/personas/summary';
import { EVENT_COLUMNS, toEvent, type AliasEvent, type EventRow } from './aliases.ts';
import { toNumber } from './db.ts';
import { RegistryError } from './errors.ts';
import { getModel, modelNotFound, type ModelRef } from './models.ts';
import { toVersion, VERSION_COLUMNS, type ModelVersion, type VersionRow } from './versions.ts';

/** One page, newest first; `next` is the cursor of the following (older) page, null on the last. */
export interface Page<T> {
  items: T[];
  next: number | null;
}

export interface PageRequest {
  /** Cursor from the previous page's `next`; undefined for the newest page. */
  before?: number;
  limit: number;
}

export const MAX_PAGE = 500;

function checkPage(what: string, page: PageRequest): void {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE) {
    throw new RegistryError(`${what}: limit must be an integer in [1, ${MAX_PAGE}], got ${page.limit}`);
  }
  if (page.before !== undefined && (!Number.isSafeInteger(page.before) || page.before < 1)) {
    throw new RegistryError(`${what}: before must be a positive integer, got ${page.before}`);
  }
}

/** Fetches limit + 1 rows so the page knows whether an older one exists. */
function paged<T>(rows: T[], limit: number, cursor: (last: T) => number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? cursor(items[items.length - 1]) : null };
}

async function modelId(pool: pg.Pool, ref: ModelRef): Promise<number> {
  const model = await getModel(pool, ref);
  if (!model) throw modelNotFound(ref);
  return model.id;
}

/** Versions newest first; the cursor is a version number (the page holds versions below it). */
export async function versionPage(
  pool: pg.Pool,
  ref: ModelRef,
  page: PageRequest,
): Promise<Page<ModelVersion>> {
  checkPage('versionPage', page);
  const id = await modelId(pool, ref);
  const res = await pool.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM model_versions v JOIN models m ON m.id = v.model_id
     WHERE v.model_id = $1 AND ($2::int IS NULL OR v.version < $2)
     ORDER BY v.version DESC LIMIT $3`,
    [id, page.before ?? null, page.limit + 1],
  );
  return paged(res.rows.map(toVersion), page.limit, (v) => v.version);
}

/** Alias events (every alias) newest first; the cursor is an event id. */
export async function aliasEventPage(
  pool: pg.Pool,
  ref: ModelRef,
  page: PageRequest,
): Promise<Page<AliasEvent>> {
  checkPage('aliasEventPage', page);
  const id = await modelId(pool, ref);
  // Keyset on (at, id), the order of the alias_events_model_at index.
  const res = await pool.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM alias_events e JOIN models m ON m.id = e.model_id
     WHERE e.model_id = $1
       AND ($2::bigint IS NULL OR (e.at, e.id) < (SELECT b.at, b.id FROM alias_events b WHERE b.id = $2))
     ORDER BY e.at DESC, e.id DESC LIMIT $3`,
    [id, page.before ?? null, page.limit + 1],
  );
  return paged(res.rows.map(toEvent), page.limit, (e) => e.id);
}

/** The alias events that moved an alias to, or refused, one of `versions`, newest first. */
export async function aliasEventsOfVersions(
  pool: pg.Pool,
  ref: ModelRef,
  versions: readonly number[],
): Promise<AliasEvent[]> {
  if (versions.length === 0) return [];
  const id = await modelId(pool, ref);
  const res = await pool.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM alias_events e JOIN models m ON m.id = e.model_id
     WHERE e.model_id = $1 AND e.to_version = ANY($2::int[])
     ORDER BY e.at DESC, e.id DESC`,
    [id, versions],
  );
  return res.rows.map(toEvent);
}

/** One run of a drift monitor, without its page or persona details: a point of its history. */
export interface DriftHistoryPoint {
  id: number;
  createdAt: Date;
  version: number;
  driftDetected: boolean;
  share: number;
  columns: Pick<TestResultSummary, 'name' | 'test' | 'statistic' | 'drifted'>[];
  hasHtml: boolean;
}

interface HistoryRow {
  id: string;
  created_at: Date;
  version: number;
  drift_detected: boolean;
  share: number;
  columns: DriftHistoryPoint['columns'] | null;
  has_html: boolean;
}

/** Reports of one DriftMonitor ("<namespace>/<name>") newest first; the cursor is a report id. */
export async function driftHistoryPage(
  pool: pg.Pool,
  monitor: string,
  page: PageRequest,
): Promise<Page<DriftHistoryPoint>> {
  checkPage('driftHistoryPage', page);
  // Keyset on (created_at, id), the order of the drift_reports_monitor_created index; the
  // column list is cut down in the database so the page never carries the stored HTML.
  const res = await pool.query<HistoryRow>(
    `SELECT d.id, d.created_at, d.version, d.drift_detected, d.share, d.html IS NOT NULL AS has_html,
       (SELECT jsonb_agg(jsonb_build_object('name', c->'name', 'test', c->'test',
                'statistic', c->'statistic', 'drifted', c->'drifted') ORDER BY n)
          FROM jsonb_array_elements(d.columns) WITH ORDINALITY AS x(c, n)) AS columns
     FROM drift_reports d
     WHERE d.monitor = $1
       AND ($2::bigint IS NULL OR (d.created_at, d.id) <
            (SELECT b.created_at, b.id FROM drift_reports b WHERE b.id = $2 AND b.monitor = $1))
     ORDER BY d.created_at DESC, d.id DESC LIMIT $3`,
    [monitor, page.before ?? null, page.limit + 1],
  );
  const points = res.rows.map((r): DriftHistoryPoint => ({
    id: toNumber(r.id),
    createdAt: r.created_at,
    version: r.version,
    driftDetected: r.drift_detected,
    share: r.share,
    columns: r.columns ?? [],
    hasHtml: r.has_html,
  }));
  return paged(points, page.limit, (p) => p.id);
}

/** Predictions assigned to one persona in one time bucket. */
export interface PersonaTrafficBucket {
  start: Date;
  persona: string;
  count: number;
}

export const MAX_TRAFFIC_BUCKETS = 1000;

/** Logged predictions of the model counted per persona and bucket over [since, until). */
export async function personaTraffic(
  pool: pg.Pool,
  ref: ModelRef,
  opts: { since: Date; until: Date; bucketSeconds: number },
): Promise<PersonaTrafficBucket[]> {
  const span = (opts.until.getTime() - opts.since.getTime()) / 1000;
  if (!(span > 0)) throw new RegistryError('personaTraffic: until must be after since');
  if (!Number.isInteger(opts.bucketSeconds) || opts.bucketSeconds < 1) {
    throw new RegistryError(
      `personaTraffic: bucketSeconds must be a positive integer, got ${opts.bucketSeconds}`,
    );
  }
  if (span / opts.bucketSeconds > MAX_TRAFFIC_BUCKETS) {
    throw new RegistryError(
      `personaTraffic: more than ${MAX_TRAFFIC_BUCKETS} buckets; choose larger buckets`,
    );
  }
  const id = await modelId(pool, ref);
  const res = await pool.query<{ start: Date; persona: string; count: string }>(
    `SELECT date_bin(make_interval(secs => $4), p.at, $2::timestamptz) AS start, p.persona, count(*) AS count
     FROM prediction_log p
     WHERE p.model_id = $1 AND p.at >= $2 AND p.at < $3
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [id, opts.since, opts.until, opts.bucketSeconds],
  );
  return res.rows.map((r) => ({ start: r.start, persona: r.persona, count: toNumber(r.count) }));
}
