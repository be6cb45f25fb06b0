// The spec with every default applied. The API server applies the schema defaults, but
// objects stored before a default existed (or written with defaulting off) may lack them,
// so the controller applies them again, from the same schema.
import { withDefaults, type Filled } from '@persona-operator/core/schema/defaults';
import {
  PersonaModelSpecSchema,
  type ArtifactsSpec,
  type AutoscalingSpec,
  type FeatureDecl,
  type PersonaModelSpec,
  type PromotionSpec,
  type ServingSpec,
  type TrainingSpec,
} from '../../api/v1alpha1/personamodel.ts';
import type { WithSecretKeys } from '../../api/v1alpha1/common.ts';
import { SpecProblem } from '../shared/errors.ts';
import { parallelismProblem } from '@persona-operator/core/train/algorithm';

export type ResolvedTraining = Filled<
  TrainingSpec,
  | 'mode'
  | 'nInit'
  | 'seed'
  | 'algorithm'
  | 'batchSize'
  | 'parallelism'
  | 'backoffLimit'
  | 'activeDeadlineSeconds'
  | 'ttlSecondsAfterFinished'
> & { k: { min: number; max: number } };

export type ResolvedPromotion = Required<PromotionSpec>;

export type ResolvedServing = Filled<
  ServingSpec,
  'replicas' | 'logPredictions' | 'progressDeadlineSeconds'
> & {
  autoscaling?: Filled<AutoscalingSpec, 'minReplicas' | 'targetCPUUtilizationPercentage'>;
};

export interface ResolvedArtifacts {
  postgres?: ArtifactsSpec['postgres'];
  gcs?: Filled<NonNullable<ArtifactsSpec['gcs']>, 'prefix'>;
  volume?: Filled<NonNullable<ArtifactsSpec['volume']>, 'path'>;
}

interface ResolvedFields {
  features: Required<FeatureDecl>[];
  personas: PersonaModelSpec['personas'];
  training: ResolvedTraining;
  promotion: ResolvedPromotion;
  serving: ResolvedServing;
  registry: PersonaModelSpec['registry'];
  artifacts: ResolvedArtifacts;
}

/** The spec as the steps read it: every default filled, secret keys included. */
export type ResolvedSpec = WithSecretKeys<ResolvedFields>;

// The types cannot see a schema's defaults, so the cast states what withDefaults guarantees
// (operator/test/controllers/personamodel/defaults.test.ts checks each default is filled).
type Defaulted = Omit<ResolvedSpec, 'training'> & {
  training: Omit<ResolvedSpec['training'], 'k'> & Pick<TrainingSpec, 'k'>;
};

export function resolveSpec(spec: PersonaModelSpec): ResolvedSpec {
  const filled = withDefaults(PersonaModelSpecSchema, spec) as Defaulted;
  const { k, ...training } = filled.training;
  if (k?.value === undefined && (k?.min === undefined || k.max === undefined)) {
    throw new SpecProblem('spec.training.k', 'set either value, or both min and max');
  }
  const range = k.value !== undefined ? { min: k.value, max: k.value } : { min: k.min!, max: k.max! };
  const resolved = { ...filled, training: { ...training, k: range } };
  // The API server's rules refuse these; an object stored before they existed may still hold them.
  const split = parallelismProblem(resolved.training);
  if (split) throw new SpecProblem('spec.training.parallelism', split);
  return resolved;
}
