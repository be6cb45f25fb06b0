// The drift Job for one run of a monitor: a pure function of the monitor, its model and the
// operator's configuration. Same image, service account and security settings as the
// trainer; `persona drift` in Job mode reads everything it needs from the environment.
import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { DEFAULT_ROW_LIMIT, type DriftJobSpec } from '@persona-operator/jobs/drift-spec';
import { DATA_URL_ENV, DRIFT_SPEC_ENV, REGISTRY_URL_ENV, RUN_ID_ENV } from '@persona-operator/jobs/job-env';
import type { DriftOptions, DriftRule } from '@persona-operator/core/drift/index';
import type { DriftMonitor } from '../../api/v1alpha1/driftmonitor.ts';
import type { PersonaModel } from '../../api/v1alpha1/personamodel.ts';
import type { OperatorConfig } from '../../config.ts';
import { SpecProblem } from '../shared/errors.ts';
import {
  badInputFailurePolicy,
  containerSecurityContext,
  podSecurityContext,
  secretEnv,
  tmpMount,
  tmpVolume,
} from '../shared/pod.ts';
import { resolveSecretKeyRef, type ResolvedMonitorSpec } from './defaults.ts';
import { SLOT_ANNOTATION, driftLabels, monitorOwnerReference } from './naming.ts';
import { parseDuration } from '@persona-operator/core/time/duration';

export const DRIFT_CONTAINER = 'drift';
/** Retries of a transient failure (registry or data database briefly away). */
const BACKOFF_LIMIT = 2;
const ACTIVE_DEADLINE_SECONDS = 1800;
/** Long enough for an operator that was down to still find the Job and read its outcome. */
const TTL_SECONDS_AFTER_FINISHED = 86_400;

function testOptions(t: ResolvedMonitorSpec['tests']): DriftOptions {
  const out: DriftOptions = {
    numeric: t.numeric,
    categorical: t.categorical,
    driftShare: t.driftShare,
    personaMix: structuredClone(t.personaMix),
    novelty: structuredClone(t.novelty),
    perPersona: structuredClone(t.perPersona),
  };
  if (t.perFeature && Object.keys(t.perFeature).length > 0) out.perFeature = structuredClone(t.perFeature);
  if (t.driftWhen) out.driftWhen = driftRule(t.driftWhen);
  return out;
}

/** spec.tests.driftWhen as the checker's rule (the CRD lets exactly one list through). */
function driftRule(w: NonNullable<ResolvedMonitorSpec['tests']['driftWhen']>): DriftRule {
  if (w.anyOf) return { anyOf: [...w.anyOf] };
  if (w.allOf) return { allOf: [...w.allOf] };
  throw new SpecProblem('spec.tests.driftWhen', 'set exactly one of anyOf, allOf');
}

/** The document the checker reads from DRIFT_SPEC_ENV. */
export function driftJobSpec(monitor: DriftMonitor, spec: ResolvedMonitorSpec): DriftJobSpec {
  const namespace = monitor.metadata.namespace!;
  const c = spec.current;
  let current: DriftJobSpec['current'];
  if (c.postgres) {
    current = { postgres: { query: c.postgres.query, urlEnv: DATA_URL_ENV, rowLimit: DEFAULT_ROW_LIMIT } };
  } else if (c.predictions) {
    let ms: number;
    try {
      ms = parseDuration(c.predictions.window, 'spec.current.predictions.window');
    } catch (err) {
      throw new SpecProblem(
        'spec.current.predictions.window',
        (err as Error).message.replace(/^[^:]*: /, ''),
      );
    }
    current = { predictions: { windowSeconds: Math.max(1, Math.round(ms / 1000)) } };
  } else {
    throw new SpecProblem('spec.current', 'exactly one of postgres, predictions must be set');
  }
  return {
    monitor: { namespace, name: monitor.metadata.name! },
    model: { namespace, name: spec.modelRef.name },
    current,
    tests: testOptions(spec.tests),
  };
}

export interface DriftJobOptions {
  jobName: string;
  /** The slot the run is for (the cron time, or now for a run-now request). */
  slot: Date;
  /** Why the run started, for `kubectl describe job`. */
  trigger: string;
}

export function buildDriftJob(
  monitor: DriftMonitor,
  spec: ResolvedMonitorSpec,
  model: PersonaModel | undefined,
  cfg: OperatorConfig,
  opts: DriftJobOptions,
): V1Job {
  const modelRegistry = model?.spec.registry?.secretRef;
  const registry = modelRegistry ? resolveSecretKeyRef(modelRegistry) : cfg.defaultRegistrySecret;
  if (!registry) {
    throw new SpecProblem(
      'spec.registry',
      'the model names no registry Secret and the operator has no default',
    );
  }
  const labels = driftLabels(monitor);
  const env: V1EnvVar[] = [
    { name: DRIFT_SPEC_ENV, value: JSON.stringify(driftJobSpec(monitor, spec)) },
    secretEnv(REGISTRY_URL_ENV, registry),
    // Retried pods share the Job's UID, so a retry finds the report a first attempt stored.
    {
      name: RUN_ID_ENV,
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" } },
    },
  ];
  if (spec.current.postgres) env.push(secretEnv(DATA_URL_ENV, spec.current.postgres.secretRef));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: opts.jobName,
      namespace: monitor.metadata.namespace,
      labels,
      annotations: { [SLOT_ANNOTATION]: opts.slot.toISOString(), 'personas.dtc.dev/trigger': opts.trigger },
      ownerReferences: [monitorOwnerReference(monitor)],
    },
    spec: {
      backoffLimit: BACKOFF_LIMIT,
      activeDeadlineSeconds: ACTIVE_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: TTL_SECONDS_AFTER_FINISHED,
      podFailurePolicy: badInputFailurePolicy(DRIFT_CONTAINER),
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: cfg.trainerServiceAccount,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext,
          volumes: [tmpVolume],
          containers: [
            {
              name: DRIFT_CONTAINER,
              image: cfg.image,
              imagePullPolicy: cfg.imagePullPolicy,
              args: ['drift'],
              env,
              securityContext: containerSecurityContext,
              volumeMounts: [tmpMount],
              // The checker's last stdout line is its one-line result: on failure the kubelet
              // copies the log tail into the termination message, where the operator reads why.
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
        },
      },
    },
  };
}
