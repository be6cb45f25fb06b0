// What the operator is configured with (flags, Helm values), as its builders need it.
import type { ResolvedSecretKeyRef } from './api/v1alpha1/common.ts';

export interface OperatorConfig {
  /** The one image holding every entry point, e.g. persona-operator:0.1.0. */
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Registry URL Secret used when a PersonaModel names none. */
  defaultRegistrySecret?: ResolvedSecretKeyRef;
  trainerServiceAccount: string;
  predictorServiceAccount: string;
}

export const DEFAULT_CONFIG: OperatorConfig = {
  image: 'persona-operator:latest',
  imagePullPolicy: 'IfNotPresent',
  defaultRegistrySecret: { name: 'persona-registry', key: 'url' },
  trainerServiceAccount: 'persona-trainer',
  predictorServiceAccount: 'persona-predictor',
};
