// What the persona tests found, as notices, messages and status name it: who grew or shrank in
// the persona mix (with both shares), the novelty share, and which persona moved in which
// feature. Built from the details a drift Job stores with its report.
import type { DriftDetails } from '@persona-operator/core/drift/index';
import { TEST_LABELS } from '@persona-operator/core/drift/rule';
import type { DriftNotice, PersonaMove } from './types.ts';

/** Personas and features named in one message line before "and N more". */
const MAX_LISTED = 10;

const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

/** The notice's persona fields from a report's details (none for a report without them). */
export function personaNotice(details: DriftDetails | undefined): Partial<DriftNotice> {
  if (!details) return {};
  const p = details.personas;
  const out: Partial<DriftNotice> = { fired: [...details.fired] };
  if (p?.mix) {
    out.personaMix = {
      drifted: p.mix.drifted,
      moves: p.mix.personas
        .filter((x) => x.change !== 'steady')
        .map((x) => ({
          name: x.name,
          change: x.change as PersonaMove['change'],
          from: x.referenceShare,
          to: x.currentShare,
        }))
        // The biggest change first: the one a reader should see.
        .sort((a, b) => Math.abs(b.to - b.from) - Math.abs(a.to - a.from)),
    };
  }
  if (p?.novelty) {
    out.novelty = { share: p.novelty.share, maxShare: p.novelty.maxShare, drifted: p.novelty.drifted };
  }
  if (p?.perPersona) {
    out.personasMoved = p.perPersona.personas
      .filter((x) => x.drifted)
      .map((x) => ({ persona: x.name, features: [...x.driftedFeatures] }));
  }
  return out;
}

function listed(items: string[], separator: string): string {
  const shown = items.slice(0, MAX_LISTED);
  return (
    shown.join(separator) + (items.length > shown.length ? ` and ${items.length - shown.length} more` : '')
  );
}

/** "Budget Brian 18.4% → 40.6%, Sustainable Steve 18.4% → 6.8%". */
export function movesText(moves: readonly PersonaMove[]): string {
  return listed(
    moves.map((m) => `${m.name} ${pct(m.from)} → ${pct(m.to)}`),
    ', ',
  );
}

/** "Eco-Conscious Haley (monthly_spend); Budget Brian (income, eco_score)". */
export function personasMovedText(moved: NonNullable<DriftNotice['personasMoved']>): string {
  return listed(
    moved.map((m) => `${m.persona} (${listed(m.features, ', ')})`),
    '; ',
  );
}

/** The message lines about the persona tests: only what fired is worth a line. */
export function personaLines(notice: DriftNotice): string[] {
  const lines: string[] = [];
  if (notice.fired?.length) lines.push(`Fired: ${notice.fired.map((t) => TEST_LABELS[t]).join(', ')}`);
  const mix = notice.personaMix;
  if (mix?.drifted) {
    const grew = mix.moves.filter((m) => m.change === 'grew');
    const shrank = mix.moves.filter((m) => m.change === 'shrank');
    const parts = [
      grew.length ? `grew: ${movesText(grew)}` : '',
      shrank.length ? `shrank: ${movesText(shrank)}` : '',
    ].filter(Boolean);
    lines.push(`Persona mix drifted${parts.length ? `; ${parts.join('; ')}` : ''}`);
  }
  const n = notice.novelty;
  if (n?.drifted)
    lines.push(
      `Novelty: ${pct(n.share)} of rows are far from every persona (fires above ${pct(n.maxShare)})`,
    );
  if (notice.personasMoved?.length)
    lines.push(`Personas that moved: ${personasMovedText(notice.personasMoved)}`);
  return lines;
}
