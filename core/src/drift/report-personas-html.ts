// The report page's persona sections: the rule and what fired, where the reference statistics
// came from, unusable current data, the persona mix (table and bars), novelty (the share and
// the distance histograms) and the per-persona table of which persona moved in which feature.
import type { BadCellSummary } from '../data/bad-cells.ts';
import type { DriftRule, DriftTestGroup } from './choose.ts';
import { TEST_LABELS } from './rule.ts';
import type { PersonaDriftReport } from './personas/index.ts';
import type { PersonaMixResult } from './personas/mix.ts';
import type { NoveltyResult } from './personas/novelty.ts';
import type { PerPersonaResult } from './personas/per-persona.ts';
import { chart, esc, num } from './report-svg.ts';

const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

/** "Drift when any of: feature share, persona mix. Fired: persona mix." */
export function ruleHtml(rule: DriftRule, fired: readonly DriftTestGroup[]): string {
  const [how, tests] = 'anyOf' in rule ? ['any', rule.anyOf] : ['all', rule.allOf];
  const firedText = fired.length ? fired.map((t) => TEST_LABELS[t]).join(', ') : 'none';
  return `<p>Drift when ${how} of: ${tests.map((t) => TEST_LABELS[t]).join(', ')}. Fired: <strong>${firedText}</strong>.</p>`;
}

export function badCellsHtml(badCells: readonly BadCellSummary[] | undefined): string {
  if (!badCells?.length) return '';
  const total = badCells.reduce((s, b) => s + b.count, 0);
  const items = badCells
    .map(
      (b) =>
        `<li><strong>${esc(b.column)}</strong>: ${b.count} (${b.examples.map((e) => `${esc(e.at)}: ${esc(e.problem)}`).join('; ')}${b.count > b.examples.length ? '; …' : ''})</li>`,
    )
    .join('');
  return `<p class="note">${total} cell${total === 1 ? '' : 's'} of the current data could not be used and count as missing values:</p><ul>${items}</ul>`;
}

function referenceNote(p: PersonaDriftReport): string {
  const { source, rows } = p.reference;
  if (source === 'stored')
    return `<p>Persona reference: the version's training data (${rows} rows), stored when it was trained.</p>`;
  if (source === 'data')
    return `<p>Persona reference: the reference data (${rows} rows), assigned to the model's personas.</p>`;
  return `<p class="note">This version was trained before reference statistics were stored with it: the persona mix and the distance quantiles come from its reference sample (${rows} rows) instead of its whole training data.</p>`;
}

function assignmentNote(p: PersonaDriftReport): string {
  const a = p.assignment;
  const parts: string[] = [];
  if (a.unassignedRows > 0) {
    const where = a.issues.filter((i) => i.missing > 0).map((i) => `${esc(i.column)} ${i.missing}`);
    parts.push(
      `${a.unassignedRows} of ${a.currentRows} current rows lack a feature value and are not assigned to any persona (${where.join(', ')}).`,
    );
  }
  for (const i of a.issues.filter((x) => x.unknownCategories > 0)) {
    parts.push(
      `${i.unknownCategories} values of ${esc(i.column)} are no training category (${i.unknownExamples.map((v) => esc(JSON.stringify(v))).join(', ')}); those rows match no persona's category.`,
    );
  }
  return parts.length ? `<p class="note">${parts.join(' ')}</p>` : '';
}

function mixHtml(m: PersonaMixResult): string {
  const verdict = m.drifted ? '<strong>drifted</strong>' : 'stable';
  const rows = m.personas
    .map((p) => {
      const change = p.currentShare - p.referenceShare;
      return (
        `<tr class="${p.change === 'steady' ? '' : 'd'}"><td>${esc(p.name)}</td><td class="n">${pct(p.referenceShare)}</td>` +
        `<td class="n">${pct(p.currentShare)}</td><td class="n">${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)} pp</td>` +
        `<td>${p.change === 'steady' ? '' : `<strong>${p.change}</strong>`}</td></tr>`
      );
    })
    .join('\n');
  const bars = chart(
    {
      kind: 'bars',
      categories: m.personas.map((p) => p.name),
      reference: m.personas.map((p) => p.referenceShare),
      current: m.personas.map((p) => p.currentShare),
    },
    'persona mix: reference and current shares',
  );
  return `<h2>Persona mix</h2>
<p>${m.test}: statistic ${num(m.statistic)}${m.pValue === null ? '' : `, p-value ${num(m.pValue)}`}, threshold ${num(m.threshold)}: ${verdict}. Reference ${m.referenceRows} rows, current ${m.currentRows} rows.</p>
<div class="features"><div class="feature">${bars}</div>
<table class="mix"><thead><tr><th>persona</th><th>reference</th><th>current</th><th>change</th><th></th></tr></thead>
${rows}
</table></div>`;
}

function noveltyHtml(n: NoveltyResult): string {
  const verdict = n.drifted ? '<strong>novelty detected</strong>' : 'within bounds';
  const histogram = chart(
    { kind: 'histogram', ...n.distribution },
    'distance to the nearest persona: reference and current',
    { value: n.distanceThreshold, label: `${pct(n.percentile, 1)} of reference` },
  );
  return `<h2>Novelty</h2>
<p class="figure"><strong>${pct(n.share)}</strong> of the current rows (${n.rowsBeyond} of ${n.assignedRows}) are farther from every persona than ${pct(n.percentile)} of the reference rows (distance ${num(n.distanceThreshold)}); about ${pct(n.expectedShare)} is expected, novelty fires above ${pct(n.maxShare)}: ${verdict}.</p>
<div class="feature">${histogram}</div>`;
}

/** Two significant digits: the table has a cell per persona and feature. */
function compact(x: number): string {
  if (!Number.isFinite(x)) return num(x);
  return x !== 0 && Math.abs(x) < 0.01 ? x.toExponential(1) : Number(x.toPrecision(2)).toString();
}

function perPersonaHtml(r: PerPersonaResult): string {
  const features = [...new Set(r.personas.flatMap((p) => p.columns.map((c) => c.name)))];
  const head = features.map((f) => `<th>${esc(f)}</th>`).join('');
  const rows = r.personas
    .map((p) => {
      const cells = features
        .map((f) => {
          const c = p.columns.find((x) => x.name === f);
          if (!c) return '<td></td>';
          const score = compact(c.pValue ?? c.statistic);
          return c.drifted ? `<td class="dc"><strong>${score}</strong></td>` : `<td class="n">${score}</td>`;
        })
        .join('');
      const verdict = !p.tested ? 'not tested' : p.drifted ? '<strong>moved</strong>' : 'no';
      return `<tr class="${p.drifted ? 'd' : ''}"><td>${esc(p.name)}</td><td class="n">${p.referenceRows}</td><td class="n">${p.currentRows}</td><td>${verdict}</td>${cells}</tr>`;
    })
    .join('\n');
  return `<h2>Per persona</h2>
<p>The feature tests among the rows of each persona with at least ${r.minRows} rows on both sides. A persona moved when one of its features drifted; to keep the chance of naming a persona when nothing changed at ${pct(r.falseAlarmRate, 0)}, each p-value threshold is that divided by the ${r.tests} tests (${r.personasTested} personas × features). Each cell is the test's p-value (its distance for distance tests); highlighted: the features that moved.</p>
<div class="wide"><table class="per"><thead><tr><th>persona</th><th>reference rows</th><th>current rows</th><th>moved</th>${head}</tr></thead>
${rows}
</table></div>`;
}

/** The persona sections, in the order the page shows them. */
export function personaSectionsHtml(p: PersonaDriftReport): string {
  return [
    referenceNote(p),
    assignmentNote(p),
    p.mix ? mixHtml(p.mix) : '',
    p.novelty ? noveltyHtml(p.novelty) : '',
    p.perPersona ? perPersonaHtml(p.perPersona) : '',
  ]
    .filter(Boolean)
    .join('\n');
}
