// Which updates of a model's Jobs and Deployments are worth a reconcile of the model. A Job's
// status moves several times while it runs (active, ready, terminating counts) and a
// Deployment's with every replica; the reconcile reads only a Job's outcome and a Deployment's
// rollout state, so the other updates would each cost a reconcile that finds nothing new.
import type { KubernetesObject, V1Deployment, V1Job } from '@kubernetes/client-node';
import { canonicalJson } from '../shared/canonical-json.ts';
import { jobOutcome } from '../shared/job-outcome.ts';
import { VERSION_LABEL } from './naming.ts';
import { APPLIED_HASH_ANNOTATION } from './predictor-service.ts';
import { rolloutState } from './rollout.ts';

const sameLabels = (a: KubernetesObject, b: KubernetesObject) =>
  canonicalJson(a.metadata?.labels ?? {}) === canonicalJson(b.metadata?.labels ?? {});

/** The Job reached an end (or left one), or was relabelled (which model or inputs it is for). */
export function jobUpdateMatters(job: V1Job, old: V1Job): boolean {
  return jobOutcome(job).state !== jobOutcome(old).state || !sameLabels(job, old);
}

/** The rollout state or message the reconcile would report changed, or the applied objects did. */
export function deploymentUpdateMatters(deploy: V1Deployment, old: V1Deployment): boolean {
  const hash = (d: V1Deployment) => d.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
  if (hash(deploy) !== hash(old) || !sameLabels(deploy, old)) return true;
  const version = Number(deploy.spec?.template.metadata?.labels?.[VERSION_LABEL]);
  return canonicalJson(rolloutState(deploy, version)) !== canonicalJson(rolloutState(old, version));
}
