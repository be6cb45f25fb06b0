// The predictor's Deployment, Service, and optional HorizontalPodAutoscaler and
// PodDisruptionBudget for one serving version: pure functions of the model and its spec.
import type {
  V1Deployment,
  V1PodDisruptionBudget,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { MODEL_VERSION_ENV, REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import type { PersonaModel } from '../../../api/v1alpha1/personamodel.ts';
import type { OperatorConfig } from '../../../config.ts';
import type { ResolvedSpec } from '../defaults.ts';
import { VERSION_LABEL, commonLabels, ownerReference, predictorName, predictorSelector } from '../naming.ts';
import { registrySecret, storageAccess } from './job.ts';
import {
  containerResources,
  containerSecurityContext,
  podSecurityContext,
  secretEnv,
} from '../../shared/pod.ts';

export const PREDICTOR_CONTAINER = 'predictor';
export const PREDICTOR_PORT = 8080;
export const READINESS_PATH = '/v2/health/ready';
export const LIVENESS_PATH = '/v2/health/live';

function meta(model: PersonaModel) {
  return {
    name: predictorName(model.metadata.name!),
    namespace: model.metadata.namespace,
    labels: commonLabels(model, 'predictor'),
    ownerReferences: [ownerReference(model)],
  };
}

export function buildPredictorDeployment(
  model: PersonaModel,
  spec: ResolvedSpec,
  cfg: OperatorConfig,
  version: number,
): V1Deployment {
  const labels = { ...commonLabels(model, 'predictor'), [VERSION_LABEL]: String(version) };
  const storage = storageAccess(spec, true, false);
  const args = [
    'serve',
    '--model',
    `${model.metadata.namespace}/${model.metadata.name}`,
    '--version',
    String(version),
  ];
  if (spec.serving.logPredictions) args.push('--log-predictions');
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(model),
    spec: {
      // With autoscaling the HPA owns the replica count; leaving it out of our apply lets it.
      ...(spec.serving.autoscaling ? {} : { replicas: spec.serving.replicas }),
      selector: { matchLabels: predictorSelector(model) },
      progressDeadlineSeconds: spec.serving.progressDeadlineSeconds,
      revisionHistoryLimit: 5,
      // Never fewer ready pods than wanted: a new version only replaces pods that are ready.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: cfg.predictorServiceAccount,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          terminationGracePeriodSeconds: 30,
          volumes: storage.volumes,
          containers: [
            {
              name: PREDICTOR_CONTAINER,
              image: cfg.image,
              imagePullPolicy: cfg.imagePullPolicy,
              args,
              env: [
                { name: MODEL_VERSION_ENV, value: String(version) },
                secretEnv(REGISTRY_URL_ENV, registrySecret(spec, cfg)),
                ...storage.env,
              ],
              ports: [{ name: 'http', containerPort: PREDICTOR_PORT, protocol: 'TCP' }],
              readinessProbe: {
                httpGet: { path: READINESS_PATH, port: 'http' },
                periodSeconds: 2,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              livenessProbe: {
                httpGet: { path: LIVENESS_PATH, port: 'http' },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              resources: containerResources(spec.serving.resources),
              securityContext: containerSecurityContext,
              volumeMounts: storage.mounts,
            },
          ],
        },
      },
    },
  };
}

export function buildPredictorService(model: PersonaModel): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(model),
    spec: {
      type: 'ClusterIP',
      selector: predictorSelector(model),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}

/** The HPA, or undefined when the spec asks for a fixed replica count. */
export function buildPredictorHpa(
  model: PersonaModel,
  spec: ResolvedSpec,
): V2HorizontalPodAutoscaler | undefined {
  const a = spec.serving.autoscaling;
  if (!a) return undefined;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(model),
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: predictorName(model.metadata.name!),
      },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: a.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}

/** The PDB, or undefined when the spec asks for none. */
export function buildPredictorPdb(
  model: PersonaModel,
  spec: ResolvedSpec,
): V1PodDisruptionBudget | undefined {
  const p = spec.serving.podDisruptionBudget;
  if (!p) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(model),
    spec: {
      selector: { matchLabels: predictorSelector(model) },
      ...(p.minAvailable !== undefined
        ? { minAvailable: p.minAvailable }
        : { maxUnavailable: p.maxUnavailable }),
    },
  };
}
