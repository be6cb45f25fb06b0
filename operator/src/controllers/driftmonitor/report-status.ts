// What a stored drift report says, in the forms the monitor shows it: status.lastReport (the
// columns and the persona tests), the one-line summary of DriftDetected and the run's Event,
// and the notice the notifiers send.
import type { DriftColumnStatus, LastReportStatus } from '../../api/v1alpha1/driftmonitor.ts';
import { movesText, noticeFromReport, personasMovedText, type DriftNotice } from '../../notify/index.ts';
import type { DriftReport } from '@persona-operator/registry';

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/** The persona tests' part of status.lastReport (nothing for a report stored before them). */
function personaStatus(report: DriftReport, notice: DriftNotice): Partial<LastReportStatus> {
  const details = report.details;
  if (!details) return {};
  const out: Partial<LastReportStatus> = { fired: [...details.fired] };
  const p = details.personas;
  if (!p) return out;
  out.personaReference = p.reference.source === 'stored' ? 'stored' : 'sample';
  if (p.mix && notice.personaMix) {
    const moves = notice.personaMix.moves;
    out.personaMix = {
      result: p.mix.drifted ? 'Drifted' : 'Stable',
      test: p.mix.test,
      ...(p.mix.statistic !== null ? { statistic: p.mix.statistic } : {}),
      ...(p.mix.pValue !== null ? { pValue: p.mix.pValue } : {}),
      threshold: p.mix.threshold,
      grew: moves.filter((m) => m.change === 'grew').map((m) => m.name),
      shrank: moves.filter((m) => m.change === 'shrank').map((m) => m.name),
      ...(moves.length ? { moved: movesText(moves) } : {}),
    };
  }
  if (notice.novelty) out.novelty = { ...notice.novelty };
  if (p.perPersona && notice.personasMoved) {
    out.perPersona = {
      personasTested: p.perPersona.personasTested,
      moved: notice.personasMoved.map((m) => `${m.persona}: ${m.features.join(', ')}`),
    };
  }
  return out;
}

export function reportStatus(report: DriftReport, url: string): LastReportStatus {
  const columns: DriftColumnStatus[] = report.columns.map((c) => ({
    name: c.name,
    test: c.test,
    // JSON has no Infinity: a column whose statistic is infinite (PSI) just omits it.
    ...(c.statistic !== null ? { statistic: c.statistic } : {}),
    ...(c.pValue !== null ? { pValue: c.pValue } : {}),
    threshold: c.threshold,
    drifted: c.drifted,
  }));
  return {
    id: report.id,
    version: report.model.version,
    driftDetected: report.driftDetected,
    // Three decimals: the status and `kubectl get dm` summarise; the report keeps the exact share.
    driftShare: Math.round(report.share * 1000) / 1000,
    url,
    columns,
    ...personaStatus(report, noticeFromReport(report, url)),
  };
}

/**
 * "persona mix drifted: Budget Brian 18.4% → 40.6%, ...; novelty 43.4% (fires above 5%);
 * personas moved: ...; 2 of 4 columns drifted (share 0.5, dataset drifts at 0.5): age, income".
 */
export function driftSummary(report: DriftReport): string {
  const n = noticeFromReport(report);
  const parts: string[] = [];
  if (n.personaMix?.drifted) {
    parts.push(`persona mix drifted${n.personaMix.moves.length ? `: ${movesText(n.personaMix.moves)}` : ''}`);
  }
  if (n.novelty?.drifted)
    parts.push(`novelty ${pct(n.novelty.share)} (fires above ${pct(n.novelty.maxShare)})`);
  if (n.personasMoved?.length) parts.push(`personas moved: ${personasMovedText(n.personasMoved)}`);
  const threshold = n.shareThreshold;
  const share = `share ${Math.round(report.share * 1000) / 1000}${threshold !== undefined ? `, dataset drifts at ${threshold}` : ''}`;
  const names = n.driftedColumns.length ? `: ${n.driftedColumns.join(', ')}` : '';
  parts.push(`${n.driftedColumns.length} of ${n.columnCount} columns drifted (${share})${names}`);
  return parts.join('; ');
}

/** The notice of a run that just finished, linking to its page. */
export function driftNotice(monitorKey: string, report: DriftReport, url: string, now: Date): DriftNotice {
  return { ...noticeFromReport(report, url), monitor: monitorKey, at: now };
}
