// The drift rule: which of the tests that ran decide the run's verdict, and how (any or all).
import { DriftInputError, type DriftOptions, type DriftRule, type DriftTestGroup } from './choose.ts';

/** How reports and messages name each test. */
export const TEST_LABELS: Record<DriftTestGroup, string> = {
  features: 'feature share',
  personaMix: 'persona mix',
  novelty: 'novelty',
  perPersona: 'per-persona drift',
};

/** The rule in `options`, else "any of the tests that ran"; refuses a rule naming a test that did not run. */
export function resolveRule(options: DriftOptions, ran: readonly DriftTestGroup[]): DriftRule {
  const rule = options.driftWhen;
  if (!rule) return { anyOf: [...ran] };
  const [how, tests] = 'anyOf' in rule ? ['anyOf', rule.anyOf] : ['allOf', rule.allOf];
  for (const test of tests) {
    if (!ran.includes(test)) {
      const why = test === 'features' ? '' : ': the persona tests need the model (its personas)';
      throw new DriftInputError(
        `tests.driftWhen.${how}: ${test} cannot decide the verdict, it does not run${why}`,
      );
    }
  }
  return structuredClone(rule);
}

export function ruleTests(rule: DriftRule): DriftTestGroup[] {
  return 'anyOf' in rule ? rule.anyOf : rule.allOf;
}

/** Whether the tests that fired make the run drifted under `rule`. */
export function ruleVerdict(rule: DriftRule, fired: readonly DriftTestGroup[]): boolean {
  return 'anyOf' in rule
    ? rule.anyOf.some((t) => fired.includes(t))
    : rule.allOf.every((t) => fired.includes(t));
}
