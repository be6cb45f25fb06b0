// The spec with every default applied. The API server applies the schema defaults, but
// objects stored before a default existed (or written with defaulting off) may lack them,
// so the controller never relies on that and resolves here from the same numbers.
import type {
  ArtifactsSpec,
  PersonaModelSpec,
  PromotionPolicy,
  ServingSpec,
  TrainingMode,
  TrainingSpec,
} from '../../api/v1alpha1/personamodel.ts';

export interface ResolvedTraining extends Omit<TrainingSpec, 'mode' | 'k' | 'nInit' | 'seed'> {
  mode: TrainingMode;
  k: { min: number; max: number };
  nInit: number;
  seed: number;
  backoffLimit: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
}

export interface ResolvedPromotion {
  policy: PromotionPolicy;
  minSilhouette: number;
  requireImprovement: boolean;
  tolerance: number;
}

export interface ResolvedServing extends Omit<
  ServingSpec,
  'replicas' | 'logPredictions' | 'progressDeadlineSeconds'
> {
  replicas: number;
  logPredictions: boolean;
  progressDeadlineSeconds: number;
}

export interface ResolvedSpec {
  features: { name: string; type: 'numeric' | 'categorical' }[];
  personas: PersonaModelSpec['personas'];
  training: ResolvedTraining;
  promotion: ResolvedPromotion;
  serving: ResolvedServing;
  registry: PersonaModelSpec['registry'];
  artifacts: ArtifactsSpec;
}

export function resolveSpec(spec: PersonaModelSpec): ResolvedSpec {
  const t = spec.training;
  const k =
    t.k?.value !== undefined
      ? { min: t.k.value, max: t.k.value }
      : { min: t.k?.min ?? 2, max: t.k?.max ?? 10 };
  const s = spec.serving ?? {};
  const p = spec.promotion ?? {};
  return {
    features: spec.features.map((f) => ({ name: f.name, type: f.type ?? 'numeric' })),
    personas: spec.personas,
    training: {
      ...t,
      mode: t.mode ?? 'fit',
      k,
      nInit: t.nInit ?? 10,
      seed: t.seed ?? 0,
      backoffLimit: t.backoffLimit ?? 2,
      activeDeadlineSeconds: t.activeDeadlineSeconds ?? 3600,
      ttlSecondsAfterFinished: t.ttlSecondsAfterFinished ?? 86400,
    },
    promotion: {
      policy: p.policy ?? 'Automatic',
      minSilhouette: p.minSilhouette ?? 0.25,
      requireImprovement: p.requireImprovement ?? true,
      tolerance: p.tolerance ?? 0.01,
    },
    serving: {
      ...s,
      replicas: s.replicas ?? 2,
      logPredictions: s.logPredictions ?? false,
      progressDeadlineSeconds: s.progressDeadlineSeconds ?? 300,
    },
    registry: spec.registry,
    artifacts: spec.artifacts ?? { postgres: {} },
  };
}
