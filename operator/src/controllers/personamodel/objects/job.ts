// The training Job for one set of training inputs: a pure function of the model, its
// resolved spec and the operator's configuration.
import type { V1EnvVar, V1Job, V1JobSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { TrainingJobSpec } from '@persona-operator/jobs/training-spec';
import { REGISTRY_URL_ENV, RUN_ID_ENV, TRAINING_SPEC_ENV } from '@persona-operator/jobs/job-env';
import type { PersonaModel } from '../../../api/v1alpha1/personamodel.ts';
import type { OperatorConfig } from '../../../config.ts';
import type { ResolvedSpec } from '../defaults.ts';
import { SpecProblem } from '../../shared/errors.ts';
import { jobData, type TrainingDataPlan } from '../training-data.ts';
import { INPUTS_HASH_LABEL, commonLabels, ownerReference } from '../naming.ts';
import {
  badInputFailurePolicy,
  containerResources,
  containerSecurityContext,
  gcsCredentials,
  podSecurityContext,
  secretEnv,
  tmpMount,
  tmpVolume,
} from '../../shared/pod.ts';

export const TRAINER_CONTAINER = 'trainer';
export const TRIGGER_ANNOTATION = 'personas.dtc.dev/trigger';
const ARTIFACT_VOLUME = 'artifacts';

/** The document the trainer reads from TRAINING_SPEC_ENV. */
export function trainingJobSpec(
  model: PersonaModel,
  spec: ResolvedSpec,
  plan: TrainingDataPlan,
): TrainingJobSpec {
  const t = spec.training;
  const a = spec.artifacts;
  const artifacts: TrainingJobSpec['artifacts'] = a.gcs
    ? { gcs: { bucket: a.gcs.bucket, prefix: a.gcs.prefix } }
    : a.volume
      ? { volume: { path: a.volume.path } }
      : { postgres: {} };
  const out: TrainingJobSpec = {
    model: { namespace: model.metadata.namespace!, name: model.metadata.name! },
    features: spec.features,
    mode: t.mode,
    k: t.k,
    nInit: t.nInit,
    seed: t.seed,
    algorithm: t.algorithm,
    batchSize: t.batchSize,
    parallelism: t.parallelism,
    data: jobData(plan),
    dataChoice: plan.choice,
    trigger: plan.trigger,
    artifacts,
  };
  if (spec.personas?.length)
    out.personas = spec.personas.map((p) => ({ name: p.name, centroid: { ...p.centroid, ...p.categories } }));
  return out;
}

export function registrySecret(spec: ResolvedSpec, cfg: OperatorConfig) {
  const ref = spec.registry?.secretRef ?? cfg.defaultRegistrySecret;
  if (!ref) throw new SpecProblem('spec.registry', 'not set and the operator has no default registry Secret');
  return ref;
}

/** Volumes, mounts and env for artifact stores and data sources that need files or credentials. */
export function storageAccess(spec: ResolvedSpec, readOnly: boolean, withData: boolean) {
  const volumes: V1Volume[] = [tmpVolume];
  const mounts: V1VolumeMount[] = [tmpMount];
  const env: V1EnvVar[] = [];
  const a = spec.artifacts;
  if (a.volume) {
    volumes.push({
      name: ARTIFACT_VOLUME,
      persistentVolumeClaim: { claimName: a.volume.claimName, readOnly },
    });
    mounts.push({ name: ARTIFACT_VOLUME, mountPath: a.volume.path, readOnly });
  }
  // One credentials file serves both GCS uses; the artifact bucket's Secret wins if both are set.
  const gcsRef = a.gcs?.secretRef ?? (withData ? spec.training.data.gcs?.secretRef : undefined);
  if (gcsRef) {
    const c = gcsCredentials(gcsRef);
    volumes.push(c.volume);
    mounts.push(c.mount);
    env.push(c.env);
  }
  return { volumes, mounts, env };
}

export interface TrainingJobOptions {
  jobName: string;
  inputsHash: string;
  /** Why the operator trains (a trigger reason), recorded on the Job. */
  trigger: string;
  /** The data the Job reads and the trigger its version records. */
  data: TrainingDataPlan;
}

/**
 * How the Job runs its pods. One pod: retried up to backoffLimit. Several: an Indexed Job whose
 * index i fits share i of the sweep; a failed index is retried on its own (its stored trials
 * are kept), and an index out of retries fails the whole Job, as no model can miss a share.
 * Exit code 2 fails the Job at once either way (badInputFailurePolicy).
 */
function completions(
  training: ResolvedSpec['training'],
): Pick<
  V1JobSpec,
  | 'backoffLimit'
  | 'completionMode'
  | 'completions'
  | 'parallelism'
  | 'backoffLimitPerIndex'
  | 'maxFailedIndexes'
> {
  const n = training.parallelism;
  if (n === 1) return { backoffLimit: training.backoffLimit };
  return {
    completionMode: 'Indexed',
    completions: n,
    parallelism: n,
    backoffLimitPerIndex: training.backoffLimit,
    maxFailedIndexes: 0,
  };
}

export function buildTrainingJob(
  model: PersonaModel,
  spec: ResolvedSpec,
  cfg: OperatorConfig,
  opts: TrainingJobOptions,
): V1Job {
  const labels = { ...commonLabels(model, 'training'), [INPUTS_HASH_LABEL]: opts.inputsHash };
  const storage = storageAccess(spec, false, true);
  const env: V1EnvVar[] = [
    { name: TRAINING_SPEC_ENV, value: JSON.stringify(trainingJobSpec(model, spec, opts.data)) },
    secretEnv(REGISTRY_URL_ENV, registrySecret(spec, cfg)),
    // Job retries share the Job's UID, so a retried pod never registers a second version.
    {
      name: RUN_ID_ENV,
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" } },
    },
    ...storage.env,
  ];
  for (const part of opts.data.parts) {
    if (part.urlSecret && 'postgres' in part.source)
      env.push(secretEnv(part.source.postgres.urlEnv, part.urlSecret));
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: opts.jobName,
      namespace: model.metadata.namespace,
      labels,
      annotations: { [TRIGGER_ANNOTATION]: opts.trigger },
      ownerReferences: [ownerReference(model)],
    },
    spec: {
      ...completions(spec.training),
      activeDeadlineSeconds: spec.training.activeDeadlineSeconds,
      ttlSecondsAfterFinished: spec.training.ttlSecondsAfterFinished,
      podFailurePolicy: badInputFailurePolicy(TRAINER_CONTAINER),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: cfg.trainerServiceAccount,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          volumes: storage.volumes,
          containers: [
            {
              name: TRAINER_CONTAINER,
              image: cfg.image,
              imagePullPolicy: cfg.imagePullPolicy,
              args: ['train'],
              env,
              resources: containerResources(spec.training.resources),
              securityContext: containerSecurityContext,
              volumeMounts: storage.mounts,
            },
          ],
        },
      },
    },
  };
}
