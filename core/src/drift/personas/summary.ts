// The compact, JSON-safe form of the persona tests: what `persona drift --json` prints, what
// the registry keeps with a report and what the operator turns into status and notifications.
// No histograms, and an infinite statistic becomes null (JSON has no Infinity).
import type { TestName } from '../choose.ts';
import type { ColumnTest } from '../column.ts';
import type { PersonaDriftReport } from './index.ts';
import type { ShareChange } from './mix.ts';

export interface TestResultSummary {
  name: string;
  test: string;
  statistic: number | null;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
}

export interface PersonaTestsSummary {
  reference: PersonaDriftReport['reference'];
  assignment: PersonaDriftReport['assignment'];
  mix?: {
    test: TestName;
    statistic: number | null;
    pValue: number | null;
    threshold: number;
    drifted: boolean;
    personas: { name: string; referenceShare: number; currentShare: number; change: ShareChange }[];
  };
  novelty?: {
    percentile: number;
    distanceThreshold: number;
    expectedShare: number;
    share: number;
    maxShare: number;
    rowsBeyond: number;
    assignedRows: number;
    drifted: boolean;
  };
  perPersona?: {
    minRows: number;
    falseAlarmRate: number;
    personasTested: number;
    tests: number;
    personas: {
      name: string;
      referenceRows: number;
      currentRows: number;
      tested: boolean;
      drifted: boolean;
      driftedFeatures: string[];
      columns: TestResultSummary[];
    }[];
  };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** One test's result without its distributions. */
export function testResultSummary(c: ColumnTest): TestResultSummary {
  return {
    name: c.name,
    test: c.test,
    statistic: finite(c.statistic),
    pValue: c.pValue,
    threshold: c.threshold,
    drifted: c.drifted,
  };
}

export function summarisePersonaTests(report: PersonaDriftReport): PersonaTestsSummary {
  const out: PersonaTestsSummary = {
    reference: { ...report.reference },
    assignment: { ...report.assignment, issues: report.assignment.issues.map((i) => ({ ...i })) },
  };
  const { mix, novelty, perPersona } = report;
  if (mix) {
    out.mix = {
      test: mix.test,
      statistic: finite(mix.statistic),
      pValue: mix.pValue,
      threshold: mix.threshold,
      drifted: mix.drifted,
      personas: mix.personas.map((p) => ({
        name: p.name,
        referenceShare: p.referenceShare,
        currentShare: p.currentShare,
        change: p.change,
      })),
    };
  }
  if (novelty) {
    const { distribution: _distribution, ...rest } = novelty;
    out.novelty = rest;
  }
  if (perPersona) {
    out.perPersona = {
      minRows: perPersona.minRows,
      falseAlarmRate: perPersona.falseAlarmRate,
      personasTested: perPersona.personasTested,
      tests: perPersona.tests,
      personas: perPersona.personas.map((p) => ({
        name: p.name,
        referenceRows: p.referenceRows,
        currentRows: p.currentRows,
        tested: p.tested,
        drifted: p.drifted,
        driftedFeatures: p.columns.filter((c) => c.drifted).map((c) => c.name),
        columns: p.columns.map(testResultSummary),
      })),
    };
  }
  return out;
}
