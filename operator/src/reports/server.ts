// Serving stored drift reports: GET /reports/{id} (the HTML page) and GET /reports/{id}.json
// (the results without the page). The operator's manager mounts handleReportRequest on its
// node:http health server, so every replica serves the pages linked from DriftMonitor status
// and notifications.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTransientDbError } from '@persona-operator/registry/errors';
import type { DriftReport } from '@persona-operator/registry';

/** What the routes need from the registry. */
export interface ReportSource {
  getDriftReport(id: number): Promise<DriftReport | undefined>;
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
 * malformed id, 404 for an unknown one, 503 while the registry is unreachable. Never throws.
 */
export async function reportResponse(source: ReportSource, param: string): Promise<ReportResponse> {
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
  source: ReportSource,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  if (!path.startsWith(REPORTS_PREFIX)) return false;
  let param: string | undefined;
  try {
    param = decodeURIComponent(path.slice(REPORTS_PREFIX.length));
  } catch {
    param = undefined;
  }
  let answer: ReportResponse;
  if (req.method !== 'GET' && req.method !== 'HEAD') answer = text(405, 'only GET and HEAD are allowed');
  else if (param === undefined) answer = text(400, 'malformed percent-encoding in the path');
  else if (param.includes('/')) answer = text(404, 'not found');
  else answer = await reportResponse(source, param);
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-length': String(Buffer.byteLength(answer.body)),
    ...(answer.status === 405 ? { allow: 'GET, HEAD' } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : answer.body);
  return true;
}
