// `persona versions --diff A B` as a table for people: churn and ARI first, then the matched
// personas with their largest per-feature shifts, the persona changes and the mix side by side.
import { personaChanges, type PersonaDiff } from '@persona-operator/core/personas/diff';
import type { VersionDiffResult } from './version-diff.ts';

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
// Only the features that moved most: a wide model would not fit on a line.
const SHIFTS_SHOWN = 3;

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

function shifts(shift: Record<string, number>): string {
  const moved = Object.entries(shift)
    .filter(([, v]) => Math.abs(v) >= 0.005)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  if (moved.length === 0) return '-';
  const shown = moved.slice(0, SHIFTS_SHOWN).map(([name, v]) => `${name} ${signed(v)}`);
  return moved.length > SHIFTS_SHOWN ? `${shown.join(', ')}, ...` : shown.join(', ');
}

function mixTable(diff: PersonaDiff): string[] {
  const names = [...new Set([...diff.mix.from, ...diff.mix.to].map((m) => m.persona))];
  const share = (list: PersonaDiff['mix']['from'], name: string) => {
    const m = list.find((x) => x.persona === name);
    return m ? percent(m.share) : '-';
  };
  return table([
    ['persona mix', `v${diff.fromVersion}`, `v${diff.toVersion}`],
    ...names.map((n) => [n, share(diff.mix.from, n), share(diff.mix.to, n)]),
  ]);
}

export function formatVersionDiff(model: string, result: VersionDiffResult): string {
  const { diff } = result;
  const when =
    result.origin === 'stored'
      ? `stored ${result.storedAt.toISOString().replace(/\.\d{3}Z$/, 'Z')} when version ${diff.toVersion} was trained`
      : 'computed now from both artifacts';
  const lines = [`persona diff ${model}: version ${diff.fromVersion} -> ${diff.toVersion} (${when})`];
  const { rows, skipped, source } = diff.sample;
  lines.push(
    `sample: ${rows} ${source} rows${skipped ? `, ${skipped} skipped (a version could not score them)` : ''}`,
  );
  lines.push(
    diff.churn === null
      ? 'churn: - (no sample rows)'
      : `churn: ${percent(diff.churn)} of rows change persona   adjusted Rand index: ${diff.adjustedRandIndex!.toFixed(3)}`,
  );
  lines.push('');
  if (diff.matched.length) {
    lines.push(
      ...table([
        ['matched', 'distance', 'largest shifts (std devs)'],
        ...diff.matched.map((m) => [
          m.from === m.to ? m.to : `${m.from} -> ${m.to}`,
          m.distance.toFixed(2),
          shifts(m.shift),
        ]),
      ]),
    );
  } else {
    lines.push('matched: none (every production persona retired)');
  }
  const changes = personaChanges(diff);
  lines.push(
    '',
    changes.length
      ? `changes: ${changes.join('; ')}`
      : 'changes: none (no new, retired, split or merged personas)',
  );
  lines.push('', ...mixTable(diff));
  return `${lines.join('\n')}\n`;
}
