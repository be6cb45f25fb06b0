// Persona-mix drift: the current rows' persona shares against the reference's, tested as one
// categorical column with Evidently's rule (chi-square up to 1000 reference rows, z for two
// personas, Jensen-Shannon distance above), and each persona's own change named when the mix
// drifted.
import { resolveTest, TESTS, type PersonaMixOptions, type TestName } from '../choose.ts';
import { scoreTest } from '../column.ts';
import { normalSf } from '../special.ts';
import type { CountTable } from '../stats.ts';

/** Family-wise error rate of the per-persona share tests (Bonferroni over the personas). */
export const PERSONA_CHANGE_ALPHA = 0.05;

export type ShareChange = 'grew' | 'shrank' | 'steady';

export interface PersonaShare {
  name: string;
  referenceCount: number;
  currentCount: number;
  referenceShare: number;
  currentShare: number;
  /** Two-sided two-proportion z-test of this persona's share. */
  pValue: number;
  /** grew or shrank: the mix drifted and this persona's share changed significantly. */
  change: ShareChange;
}

export interface PersonaMixResult {
  test: TestName;
  statistic: number;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  referenceRows: number;
  currentRows: number;
  personas: PersonaShare[];
}

/** p-value of "the share r/R equals c/C" (pooled two-proportion z-test). */
export function shareChangePValue(r: number, R: number, c: number, C: number): number {
  const pooled = (r + c) / (R + C);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / R + 1 / C));
  if (se === 0) return 1;
  const z = (c / C - r / R) / se;
  return Math.min(1, 2 * normalSf(Math.abs(z)));
}

/** The mix test over persona counts (by persona id) of the reference and the current rows. */
export function personaMixDrift(
  names: readonly string[],
  referenceCounts: readonly number[],
  currentCounts: readonly number[],
  options: PersonaMixOptions = {},
): PersonaMixResult {
  const R = referenceCounts.reduce((a, b) => a + b, 0);
  const C = currentCounts.reduce((a, b) => a + b, 0);
  const table: CountTable = {
    keys: [...names],
    reference: Float64Array.from(referenceCounts),
    current: Float64Array.from(currentCounts),
    referenceTotal: R,
    currentTotal: C,
  };
  const present = names.filter((_, i) => referenceCounts[i] + currentCounts[i] > 0).length;
  const { test, threshold } = resolveTest({ name: 'persona', type: 'categorical' }, R, present, {
    categorical: options.test ?? 'auto',
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
  });
  // Chi-square as a two-sample test, like Evidently's z-test for two values (of which it is the
  // k-value form): the reference mix is a sample too, often no bigger than the current one.
  const { statistic, pValue } = scoreTest(test, () => table, undefined, 'homogeneity');
  const info = TESTS[test];
  const drifted = info.drifted(info.kind === 'pValue' ? (pValue as number) : statistic, threshold);
  const alpha = PERSONA_CHANGE_ALPHA / names.length;
  const personas = names.map((name, i): PersonaShare => {
    const r = referenceCounts[i];
    const c = currentCounts[i];
    const p = shareChangePValue(r, R, c, C);
    const moved = drifted && p < alpha;
    return {
      name,
      referenceCount: r,
      currentCount: c,
      referenceShare: R ? r / R : 0,
      currentShare: C ? c / C : 0,
      pValue: p,
      change: !moved ? 'steady' : c / C > r / R ? 'grew' : 'shrank',
    };
  });
  return { test, statistic, pValue, threshold, drifted, referenceRows: R, currentRows: C, personas };
}
