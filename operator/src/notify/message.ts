// The text of a drift notification: verdict, monitor, model and version, drift share, the
// drifted columns, what the persona tests found and the report link. One plain-text form,
// escaped per channel.
import type { DriftDetails } from '@persona-operator/core/drift/index';
import { personaLines, personaNotice } from './personas.ts';
import type { DriftNotice } from './types.ts';

/** Column names listed in a message before "and N more". */
const MAX_LISTED_COLUMNS = 20;

/** Whether a run is worth a message: always on drift, without drift only when asked. */
export function shouldNotify(report: { driftDetected: boolean }, onNoDrift: boolean | undefined): boolean {
  return report.driftDetected || onNoDrift === true;
}

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

function columnList(notice: DriftNotice): string {
  const names = notice.driftedColumns.slice(0, MAX_LISTED_COLUMNS);
  const more = notice.driftedColumns.length - names.length;
  return names.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

export interface MessageParts {
  headline: string;
  lines: string[];
}

/** The message as a headline and detail lines, unescaped. */
export function messageParts(notice: DriftNotice): MessageParts {
  const m = notice.model;
  const headline = notice.driftDetected
    ? `Drift detected by ${notice.monitor}`
    : `No drift found by ${notice.monitor}`;
  const threshold =
    notice.shareThreshold === undefined ? '' : ` (dataset drifts at ${pct(notice.shareThreshold)})`;
  const lines = [
    `Model ${m.namespace}/${m.name} version ${m.version}`,
    `Drift share ${pct(notice.driftShare)}: ${notice.driftedColumns.length} of ${notice.columnCount} columns drifted${threshold}`,
  ];
  if (notice.driftedColumns.length > 0) lines.push(`Drifted columns: ${columnList(notice)}`);
  lines.push(...personaLines(notice));
  return { headline, lines };
}

/** Plain text (the webhook's `text`, Slack's fallback). */
export function plainText(notice: DriftNotice): string {
  const { headline, lines } = messageParts(notice);
  const link = notice.reportUrl ? [`Report: ${notice.reportUrl}`] : [];
  return [headline, ...lines, ...link].join('\n');
}

/** The notice for a report stored in the registry, linking to `reportUrl` when given. */
export function noticeFromReport(
  report: {
    id: number;
    monitor: string;
    model: { namespace: string; name: string; version: number };
    driftDetected: boolean;
    share: number;
    columns: readonly { name: string; drifted: boolean }[];
    summary?: Record<string, unknown>;
    details?: DriftDetails;
    createdAt: Date;
  },
  reportUrl?: string,
): DriftNotice {
  const threshold = report.summary?.shareThreshold;
  return {
    monitor: report.monitor,
    model: { ...report.model },
    driftDetected: report.driftDetected,
    driftShare: report.share,
    ...(typeof threshold === 'number' ? { shareThreshold: threshold } : {}),
    driftedColumns: report.columns.filter((c) => c.drifted).map((c) => c.name),
    columnCount: report.columns.length,
    ...personaNotice(report.details),
    reportId: report.id,
    ...(reportUrl ? { reportUrl } : {}),
    at: report.createdAt,
  };
}
