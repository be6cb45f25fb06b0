// Serving stored drift reports: GET /reports/{id} (the HTML page) and GET /reports/{id}.json
// (the results without the page). The operator's manager mounts handleReportRequest on its
// node:http health server, so every replica serves the pages linked from DriftMonitor status
// and notifications. Who may read a report is decided as for the console: it belongs to the
// namespace of its model.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTransientDbError } from '@persona-operator/registry/errors';
import type { DriftReport } from '@persona-operator/registry';
import type { ConsoleAccess, Viewer } from '../console/access.ts';

/** What the routes need from the registry. */
export interface ReportSource {
  getDriftReport(id: number): Promise<DriftReport | undefined>;
}

export interface ReportDeps {
  source: ReportSource;
  access: Pick<ConsoleAccess, 'decide'>;
}

export interface ReportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The JSON form of a stored report (GET /reports/{id}.json). */
export interface ReportJson {
  id: number;
  monitor: string;
  runId: string | null;
  model: { namespace: string; name: string; version: number };
  createdAt: string;
  driftDetected: boolean;
  driftShare: number;
  columns: DriftReport['columns'];
  summary: Record<string, unknown>;
  /** The rule, the tests that fired and the persona tests; null for reports stored before them. */
  details: DriftReport['details'] | null;
  /** Path of the HTML page, or null when the report was stored without one. */
  html: string | null;
}

export const REPORTS_PREFIX = '/reports/';

/** The page's path, e.g. for status.lastReport and notification links. */
export function reportPath(id: number): string {
  return `${REPORTS_PREFIX}${id}`;
}

// The page is self-contained (inline CSS and SVG, no scripts): forbid everything else, so a
// column name that slipped through escaping still could not run or load anything.
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // A stored report never changes.
  'cache-control': 'private, max-age=3600',
};

const ID_RE = /^[1-9][0-9]{0,14}$/;

function json(status: number, body: unknown): ReportResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(body),
  };
}

function text(status: number, message: string): ReportResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
    body: `${message}\n`,
  };
}

export function reportJson(report: DriftReport): ReportJson {
  return {
    id: report.id,
    monitor: report.monitor,
    runId: report.runId ?? null,
    model: report.model,
    createdAt: report.createdAt.toISOString(),
    driftDetected: report.driftDetected,
    driftShare: report.share,
    columns: report.columns,
    summary: report.summary,
    details: report.details ?? null,
    html: report.html === undefined ? null : reportPath(report.id),
  };
}

/**
 * The answer to GET /reports/{param}: `param` is "<id>" (HTML) or "<id>.json". 400 for a
 * malformed id, 404 for an unknown one, 403 when the viewer may not read its model's namespace,
 * 503 while the registry or the API server is unreachable. Never throws.
 */
export async function reportResponse(
  source: ReportSource,
  param: string,
  viewer: Viewer,
): Promise<ReportResponse> {
  const asJson = param.endsWith('.json');
  const raw = asJson ? param.slice(0, -'.json'.length) : param;
  const fail = asJson ? (s: number, m: string) => json(s, { error: m }) : text;
  if (!ID_RE.test(raw)) {
    return fail(400, `report id must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  const id = Number(raw);
  let report: DriftReport | undefined;
  try {
    report = await source.getDriftReport(id);
  } catch (err) {
    return isTransientDbError(err)
      ? fail(503, 'the registry is unreachable; try again shortly')
      : fail(500, 'the report could not be read from the registry');
  }
  if (!report) return fail(404, `there is no drift report ${id}`);
  let allowed: boolean;
  try {
    allowed = await viewer.mayRead(report.model.namespace);
  } catch {
    return fail(503, 'the API server could not check access; try again shortly');
  }
  if (!allowed)
    return fail(403, `${viewer.describe} may not get personamodels in the namespace of report ${id}`);
  if (asJson) return json(200, reportJson(report));
  if (report.html === undefined) {
    return fail(404, `drift report ${id} was stored without an HTML page; see ${reportPath(id)}.json`);
  }
  return { status: 200, headers: { ...HTML_HEADERS }, body: report.html };
}

/**
 * For a plain node:http server: answers and returns true when the request is for a report,
 * returns false (and leaves the response alone) for any other path.
 */
export async function handleReportRequest(
  deps: ReportDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (!path.startsWith(REPORTS_PREFIX)) return false;
  const answer = await answerReportRequest(deps, req, path.slice(REPORTS_PREFIX.length));
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-length': String(Buffer.byteLength(answer.body)),
    ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}),
    ...(answer.status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : answer.body);
  return true;
}

async function answerReportRequest(
  deps: ReportDeps,
  req: IncomingMessage,
  rawParam: string,
): Promise<ReportResponse> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'only GET and HEAD are allowed');
  let param: string;
  try {
    param = decodeURIComponent(rawParam);
  } catch {
    return text(400, 'malformed percent-encoding in the path');
  }
  if (param.includes('/')) return text(404, 'not found');
  let decision;
  try {
    decision = await deps.access.decide(req);
  } catch {
    return text(503, 'the API server could not check the bearer token; try again shortly');
  }
  if (!decision.ok) return text(decision.status, decision.message);
  return reportResponse(deps.source, param, decision.viewer);
}
