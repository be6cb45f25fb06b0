// The readable form of a drift report at the terminal: the verdict and the tests that fired,
// the feature table, unusable current cells, and the persona tests (mix, novelty, per persona).
import { describeBadCells } from '@persona-operator/core/data/bad-cells';
import type { DriftReport } from '@persona-operator/core/drift/index';
import type { PersonaDriftReport } from '@persona-operator/core/drift/personas/index';
import { TEST_LABELS } from '@persona-operator/core/drift/rule';

function fmt(x: number | null): string {
  if (x === null) return '-';
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Left-aligned columns, two spaces apart, indented by two. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd());
}

function verdictLines(report: DriftReport): string[] {
  const [how, tests] = 'anyOf' in report.rule ? ['any', report.rule.anyOf] : ['all', report.rule.allOf];
  const rule = `${how} of ${tests.map((t) => TEST_LABELS[t]).join(', ')}`;
  const fired = report.fired.map((t) => TEST_LABELS[t]).join(', ');
  const verdict = report.driftDetected ? 'DRIFT DETECTED' : 'no drift';
  return [`${verdict}${fired ? ` (fired: ${fired})` : ''}; drift when ${rule}`];
}

function featureLines(report: DriftReport): string[] {
  return [
    `features: ${report.driftedColumns} of ${report.columns.length} columns drifted ` +
      `(share ${fmt(report.driftShare)}, dataset drifts at >= ${fmt(report.shareThreshold)}); ` +
      `reference ${report.referenceRows} rows, current ${report.currentRows} rows`,
    ...table([
      ['column', 'type', 'test', 'statistic', 'p-value', 'threshold', 'drifted'],
      ...report.columns.map((c) => [
        c.name,
        c.type,
        c.test,
        fmt(c.statistic),
        fmt(c.pValue),
        fmt(c.threshold),
        c.drifted ? 'yes' : 'no',
      ]),
    ]),
  ];
}

function personaLines(p: PersonaDriftReport): string[] {
  const lines: string[] = [];
  const source = {
    stored: "the version's training data",
    data: 'the reference data',
    sample: "the version's reference sample (it has no stored statistics)",
  };
  lines.push(`persona reference: ${source[p.reference.source]}, ${p.reference.rows} rows`);
  if (p.assignment.unassignedRows > 0) {
    lines.push(
      `${p.assignment.unassignedRows} of ${p.assignment.currentRows} current rows lack a value and are not assigned to a persona`,
    );
  }
  if (p.mix) {
    const m = p.mix;
    const score = m.pValue === null ? `distance ${fmt(m.statistic)}` : `p ${fmt(m.pValue)}`;
    lines.push(
      `persona mix: ${m.test} ${score}, threshold ${fmt(m.threshold)}: ${m.drifted ? 'DRIFTED' : 'stable'}`,
    );
    lines.push(
      ...table([
        ['persona', 'reference', 'current', 'change'],
        ...m.personas.map((x) => [
          x.name,
          pct(x.referenceShare),
          pct(x.currentShare),
          x.change === 'steady' ? '' : x.change,
        ]),
      ]),
    );
  }
  if (p.novelty) {
    const n = p.novelty;
    lines.push(
      `novelty: ${pct(n.share)} of the rows (${n.rowsBeyond} of ${n.assignedRows}) are farther from every persona than ` +
        `${pct(n.percentile)} of the reference rows (distance ${fmt(n.distanceThreshold)}); about ${pct(n.expectedShare)} expected, ` +
        `fires above ${pct(n.maxShare)}: ${n.drifted ? 'DRIFTED' : 'within bounds'}`,
    );
  }
  if (p.perPersona) {
    const r = p.perPersona;
    lines.push(
      `per persona (at least ${r.minRows} rows on both sides; false-alarm rate ${pct(r.falseAlarmRate)} over ${r.tests} tests):`,
    );
    lines.push(
      ...table([
        ['persona', 'reference rows', 'current rows', 'moved in'],
        ...r.personas.map((x) => [
          x.name,
          String(x.referenceRows),
          String(x.currentRows),
          !x.tested
            ? '(not tested)'
            : x.columns
                .filter((c) => c.drifted)
                .map((c) => c.name)
                .join(', ') || '-',
        ]),
      ]),
    );
  }
  return lines;
}

export function readableReport(report: DriftReport): string {
  const lines = [...verdictLines(report), ...featureLines(report)];
  if (report.badCells?.length) {
    lines.push(`current data: unusable cells, counted as missing: ${describeBadCells(report.badCells)}`);
  }
  if (report.personas) lines.push(...personaLines(report.personas));
  return `${lines.join('\n')}\n`;
}
