// The monitor's spec with every default applied. The API server applies the schema defaults,
// but objects stored before a default existed (or written with defaulting off) may lack them,
// so the reconcile applies them again, once, from the same schema.
import { withDefaults, type Filled } from '@persona-operator/core/schema/defaults';
import {
  SecretKeyRefSchema,
  type ResolvedSecretKeyRef,
  type SecretKeyRef,
  type WithSecretKeys,
} from '../../api/v1alpha1/common.ts';
import {
  DriftMonitorSpecSchema,
  type CurrentData,
  type DriftMonitorSpec,
  type DriftTestsSpec,
  type NotifyTarget,
  type RetrainSpec,
} from '../../api/v1alpha1/driftmonitor.ts';

type Predictions = NonNullable<CurrentData['predictions']>;
type Tests = DriftTestsSpec;
type Part<K extends 'personaMix' | 'novelty' | 'perPersona'> = NonNullable<Tests[K]>;

/** The tests with every default filled, the persona tests' settings included. */
export type ResolvedTests = Omit<
  Filled<Tests, 'numeric' | 'categorical' | 'driftShare'>,
  'personaMix' | 'novelty' | 'perPersona'
> & {
  personaMix: Filled<Part<'personaMix'>, 'enabled' | 'test'>;
  novelty: Filled<Part<'novelty'>, 'enabled' | 'percentile' | 'maxShare'>;
  perPersona: Filled<Part<'perPersona'>, 'enabled' | 'minRows' | 'falseAlarmRate'>;
};

export type ResolvedMonitorSpec = WithSecretKeys<
  Omit<DriftMonitorSpec, 'schedule' | 'current' | 'tests' | 'action' | 'notify'> & {
    schedule: string;
    current: Omit<CurrentData, 'predictions'> & { predictions?: Filled<Predictions, 'window'> };
    tests: ResolvedTests;
    action: { cooldown: string; retrain?: Required<RetrainSpec> };
    notify?: Filled<NotifyTarget, 'onNoDrift'>[];
  }
>;

// The types cannot see a schema's defaults, so the casts state what withDefaults guarantees
// (operator/test/controllers/driftmonitor/defaults.test.ts checks each default is filled).

export function resolveMonitorSpec(spec: DriftMonitorSpec): ResolvedMonitorSpec {
  return withDefaults(DriftMonitorSpecSchema, withRetrainObject(spec)) as ResolvedMonitorSpec;
}

/**
 * `retrain: true` / `false` is how objects stored before the retrain settings existed say it;
 * the API server refuses it in new writes, but keeps serving the stored ones unchanged.
 */
function withRetrainObject(spec: DriftMonitorSpec): DriftMonitorSpec {
  const retrain: unknown = spec.action?.retrain;
  if (typeof retrain !== 'boolean') return spec;
  const { retrain: _legacy, ...action } = spec.action!;
  return { ...spec, action: retrain ? { ...action, retrain: {} } : action };
}

/** A secret ref of another object (the model's registry Secret), its key filled in. */
export function resolveSecretKeyRef(ref: SecretKeyRef): ResolvedSecretKeyRef {
  return withDefaults(SecretKeyRefSchema, ref) as ResolvedSecretKeyRef;
}
