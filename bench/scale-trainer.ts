// THE BENCH'S STAND-IN FOR THE TRAINER. At a thousand models no training pod really runs
// (kwok only pretends to run pods), so this plays the trainer's part: for each training pod
// the operator's Job starts, it registers a version in the real registry exactly as
// `persona train` does (training run started, version registered with the Job's UID as run
// id, run finished), using one artifact that the real trainer fitted once at the start of the
// bench, and then lets the pod exit 0 by marking it for kwok. Everything the operator sees
// (the Job, its pod, the registry rows) is what a real training run leaves behind.
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { ModelArtifact } from '@persona-operator/core/artifact/types';
import type { Registry } from '@persona-operator/registry';
import { TRAINED_ANNOTATION } from './scale-kwok.ts';
import { watchAll } from './scale-watch.ts';

const MODEL_LABEL = 'personas.dtc.dev/model';
const JOB_UID_LABEL = 'batch.kubernetes.io/controller-uid';

export interface StandInTrainer {
  /** Training pods handled (a version registered and the pod let go). */
  trained(): number;
  /** Failures, each naming the pod: a bench problem, printed at the end. */
  errors(): string[];
  stop(): void;
}

export async function startStandInTrainer(opts: {
  kubeConfig: KubeConfig;
  registry: Registry;
  artifact: ModelArtifact;
  /** Registrations in flight at once (a real cluster would run this many pods at once). */
  concurrency: number;
}): Promise<StandInTrainer> {
  const core = opts.kubeConfig.makeApiClient(CoreV1Api);
  const seen = new Set<string>();
  const pending: V1Pod[] = [];
  const errors: string[] = [];
  let running = 0;
  let done = 0;

  const train = async (pod: V1Pod): Promise<void> => {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.labels![MODEL_LABEL];
    const runId = pod.metadata!.labels![JOB_UID_LABEL];
    const model = { namespace, name };
    await opts.registry.ensureModel(model);
    const earlier = await opts.registry.getTrainingRun(model, runId);
    if (earlier?.status !== 'succeeded') {
      await opts.registry.startTrainingRun(model, runId, { standIn: 'bench:scale' });
      const { version } = await opts.registry.registerVersion({ model, runId, artifact: opts.artifact });
      await opts.registry.finishTrainingRun(model, runId, {
        metrics: opts.artifact.metrics,
        version: version.version,
      });
    }
    await core.patchNamespacedPod(
      {
        namespace,
        name: pod.metadata!.name!,
        body: { metadata: { annotations: { [TRAINED_ANNOTATION]: 'true' } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };

  const pump = (): void => {
    while (running < opts.concurrency && pending.length > 0) {
      const pod = pending.shift()!;
      running++;
      train(pod)
        .then(() => done++)
        .catch((err: unknown) =>
          errors.push(`${pod.metadata?.namespace}/${pod.metadata?.name}: ${(err as Error).message}`),
        )
        .finally(() => {
          running--;
          pump();
        });
    }
  };

  const watch = await watchAll<V1Pod>(
    opts.kubeConfig,
    '/api/v1/pods',
    'app.kubernetes.io/component=training',
    (phase, pod) => {
      const uid = pod.metadata?.uid;
      if (phase === 'DELETED' || !uid || seen.has(uid)) return;
      if (!pod.metadata?.labels?.[JOB_UID_LABEL] || !pod.metadata.labels[MODEL_LABEL]) return;
      seen.add(uid);
      pending.push(pod);
      pump();
    },
  );
  return {
    trained: () => done,
    errors: () => [...errors, ...watch.errors()],
    stop: () => watch.stop(),
  };
}
