// The test flags of `persona drift`, shared by local and Job mode: parseArgs options, their
// usage text, and their translation into the statistics' DriftOptions (validated there, so
// both modes accept exactly the same values as a DriftMonitor's spec.tests).
import {
  DRIFT_TEST_GROUPS,
  TEST_NAMES,
  type DriftOptions,
  type DriftRule,
  type DriftTestGroup,
  type FeatureTestOverride,
  type TestChoice,
} from '@persona-operator/core/drift/index';
import { CliError } from './errors.ts';
import { intFlag, numberFlag } from './flags.ts';

export const TEST_OPTIONS = {
  'numeric-test': { type: 'string' },
  'categorical-test': { type: 'string' },
  threshold: { type: 'string' },
  'feature-test': { type: 'string', multiple: true },
  'drift-share': { type: 'string' },
  'persona-mix-test': { type: 'string' },
  'persona-mix-threshold': { type: 'string' },
  'novelty-percentile': { type: 'string' },
  'novelty-max-share': { type: 'string' },
  'per-persona-min-rows': { type: 'string' },
  'per-persona-false-alarm-rate': { type: 'string' },
  'skip-tests': { type: 'string' },
  'drift-when': { type: 'string' },
} as const;

export const TEST_USAGE = `
Feature tests:
  --numeric-test T          auto | ${TEST_NAMES.join(' | ')}
  --categorical-test T      auto | chisquare | z | jensenshannon | psi
  --threshold X             threshold for every column (p-value or distance, per test)
  --feature-test NAME=T[:X] test T (and threshold X) for one column; repeatable
  --drift-share X           the dataset drifts when this share of columns drifts (default 0.5)
Persona tests (with a model):
  --persona-mix-test T      auto | chisquare | z | jensenshannon | psi (auto: chi-square up to
                            1000 reference rows, Jensen-Shannon distance above)
  --persona-mix-threshold X
  --novelty-percentile P    reference distance quantile rows are compared with (default 0.99)
  --novelty-max-share X     novelty fires above this share of rows beyond it (default 0.05)
  --per-persona-min-rows N  test a persona with at least N rows on both sides (default 30)
  --per-persona-false-alarm-rate X
                            chance of naming a persona when nothing changed (default 0.01)
  --skip-tests LIST         persona tests not to run: personaMix, novelty, perPersona
  --drift-when any:LIST | all:LIST
                            which tests decide the verdict (default: any of those that run),
                            from ${DRIFT_TEST_GROUPS.join(', ')}`;

export type TestFlags = {
  [K in keyof typeof TEST_OPTIONS]?: (typeof TEST_OPTIONS)[K] extends { multiple: true } ? string[] : string;
};

function parseFeatureTests(specs: string[]): Record<string, FeatureTestOverride> {
  const out: Record<string, FeatureTestOverride> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=([a-z]+)?(?::(.+))?$/.exec(spec);
    if (!m || (!m[2] && m[3] === undefined)) {
      throw new CliError(`--feature-test: expected NAME=TEST[:THRESHOLD] or NAME=:THRESHOLD, got "${spec}"`);
    }
    const o: FeatureTestOverride = {};
    if (m[2]) o.test = m[2] as TestChoice;
    if (m[3] !== undefined) o.threshold = numberFlag(`--feature-test ${m[1]}`, m[3]);
    out[m[1]] = o;
  }
  return out;
}

function testList(value: string, option: string): DriftTestGroup[] {
  const names = value.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new CliError(`${option}: empty test name in "${value}"`);
  return names as DriftTestGroup[];
}

function parseRule(value: string | undefined): DriftRule | undefined {
  if (value === undefined) return undefined;
  const m = /^(any|all):(.+)$/.exec(value.trim());
  if (!m) throw new CliError(`--drift-when: expected any:LIST or all:LIST, got "${value}"`);
  const tests = testList(m[2], '--drift-when');
  return m[1] === 'any' ? { anyOf: tests } : { allOf: tests };
}

function parseSkipped(value: string | undefined): Set<string> {
  if (value === undefined) return new Set();
  const names = testList(value, '--skip-tests');
  for (const n of names) {
    if (!['personaMix', 'novelty', 'perPersona'].includes(n)) {
      throw new CliError(`--skip-tests: ${n} is not one of personaMix, novelty, perPersona`);
    }
  }
  return new Set(names);
}

/** The flags as DriftOptions, unset fields left out; undefined when no test flag was given. */
export function testOptions(values: TestFlags): DriftOptions | undefined {
  if (!(Object.keys(TEST_OPTIONS) as (keyof TestFlags)[]).some((k) => values[k] !== undefined))
    return undefined;
  const skipped = parseSkipped(values['skip-tests']);
  const options: DriftOptions = {
    numeric: values['numeric-test'] as TestChoice | undefined,
    categorical: values['categorical-test'] as TestChoice | undefined,
    threshold: numberFlag('--threshold', values.threshold),
    driftShare: numberFlag('--drift-share', values['drift-share']),
    perFeature: parseFeatureTests(values['feature-test'] ?? []),
    personaMix: {
      enabled: !skipped.has('personaMix'),
      test: values['persona-mix-test'] as TestChoice | undefined,
      threshold: numberFlag('--persona-mix-threshold', values['persona-mix-threshold']),
    },
    novelty: {
      enabled: !skipped.has('novelty'),
      percentile: numberFlag('--novelty-percentile', values['novelty-percentile']),
      maxShare: numberFlag('--novelty-max-share', values['novelty-max-share']),
    },
    perPersona: {
      enabled: !skipped.has('perPersona'),
      minRows: intFlag('--per-persona-min-rows', values['per-persona-min-rows']),
      falseAlarmRate: numberFlag('--per-persona-false-alarm-rate', values['per-persona-false-alarm-rate']),
    },
    driftWhen: parseRule(values['drift-when']),
  };
  return prune(options) as DriftOptions;
}

/** Drops undefined fields and objects left empty, so a spec holds only what was asked for. */
function prune(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = prune(v);
    const empty = typeof p === 'object' && p !== null && !Array.isArray(p) && Object.keys(p).length === 0;
    if (p !== undefined && !empty && !(k === 'enabled' && p === true)) out[k] = p;
  }
  return out;
}
