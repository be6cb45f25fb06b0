// The model a predictor serves: the validated artifact, its scorer and the identity it
// answers to in routes and metrics. Built once at load time so the request path only reads it.
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import { createScorer, type Scorer } from '@persona-operator/core/scoring/scorer';

export interface ModelIdentity {
  /** The name clients use in `/v1/models/{name}` and `/v2/models/{name}`: the PersonaModel's name. */
  name: string;
  /** Kubernetes namespace of the PersonaModel, when known (registry loads, registered artifacts). */
  namespace?: string;
  /** Registry version, when known; a hand-made file may have none. */
  version?: number;
}

export interface ServedModel extends Required<Pick<ModelIdentity, 'name'>> {
  namespace: string | undefined;
  version: number | undefined;
  /** `version` as the string the protocols report ("" when unknown). */
  versionLabel: string;
  artifact: ModelArtifact;
  scorer: Scorer;
  /** Persona names indexed by position in `artifact.personas` (metrics are labelled by name). */
  personaNames: readonly string[];
  numericFeatures: readonly string[];
  categoricalFeatures: readonly string[];
  /** Each feature's position in a row, for V2 inputs matched by name. */
  featurePositions: ReadonlyMap<string, number>;
  /** The row positions of `numericFeatures`: where the V2 matrix's columns go. */
  numericPositions: readonly number[];
}

/**
 * Wraps a validated artifact for serving. The identity given wins over the one recorded in the
 * artifact, because the operator names the model by the PersonaModel it rolls out.
 */
export function serveArtifact(artifact: ModelArtifact, identity: Partial<ModelIdentity> = {}): ServedModel {
  const name = identity.name ?? artifact.model?.name;
  if (!name) {
    throw new Error('the model has no name: the artifact records none, so pass one (--name)');
  }
  const version = identity.version ?? artifact.model?.version;
  const features = artifact.features;
  return {
    name,
    namespace: identity.namespace ?? artifact.model?.namespace,
    version,
    versionLabel: version === undefined ? '' : String(version),
    artifact,
    scorer: createScorer(artifact),
    personaNames: artifact.personas.map((p) => p.name),
    numericFeatures: features.filter((f) => f.type === 'numeric').map((f) => f.name),
    categoricalFeatures: features.filter((f) => f.type === 'categorical').map((f) => f.name),
    featurePositions: new Map(features.map((f, i) => [f.name, i])),
    numericPositions: features.flatMap((f, i) => (f.type === 'numeric' ? [i] : [])),
  };
}
