// The Kubernetes API clients the operator uses, each wrapped so every call is counted in
// persona_operator_api_requests_total: the "nothing at rest but watches and the lease" goal
// is checked from that counter, so no call may bypass it. Each call's latency goes to
// persona_operator_api_request_duration_seconds.
import {
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PolicyV1Api,
  Watch,
  type ApiConstructor,
  type ApiType,
} from '@kubernetes/client-node';
import type { Watcher } from '../runtime/informer.ts';
import type { OperatorMetrics } from '../runtime/metrics.ts';
import { KeepAliveAuth, makeApiClient } from './keep-alive.ts';

export interface KubeClients {
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  apps: AppsV1Api;
  core: CoreV1Api;
  autoscaling: AutoscalingV2Api;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
  /** TokenReview and SubjectAccessReview, for the console's callers. */
  authentication: AuthenticationV1Api;
  authorization: AuthorizationV1Api;
  watcher: Watcher;
  /** How every call but the watches authenticates: one kept-alive agent (keep-alive.ts). */
  auth: KeepAliveAuth;
}

/** `createNamespacedJob` -> verb "create", resource "NamespacedJob" (close enough for a label). */
function splitMethod(method: string): { verb: string; resource: string } {
  const m = /^(list|read|create|replace|patch|delete|deleteCollection|get|connect)(.*)$/.exec(method);
  return m ? { verb: m[1], resource: m[2] || 'unknown' } : { verb: method, resource: 'unknown' };
}

function counted<T extends object>(api: T, metrics: OperatorMetrics | undefined): T {
  if (!metrics) return api;
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const { verb, resource } = splitMethod(prop);
      return (...args: unknown[]) => {
        metrics.apiRequests.inc({ verb, resource });
        const end = metrics.apiLatency.startTimer({ verb, resource });
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        const stop = () => void end();
        if (result instanceof Promise) void result.then(stop, stop);
        else stop();
        return result;
      };
    },
  });
}

export function makeClients(kubeConfig: KubeConfig, metrics?: OperatorMetrics): KubeClients {
  const watch = new Watch(kubeConfig);
  const watcher: Watcher = {
    watch(path, query, callback, done) {
      metrics?.apiRequests.inc({ verb: 'watch', resource: path.split('/').pop() ?? path });
      return watch.watch(path, query, callback, done);
    },
  };
  const auth = new KeepAliveAuth(kubeConfig);
  const api = <T extends ApiType>(type: ApiConstructor<T>) =>
    counted(makeApiClient(kubeConfig, type, auth), metrics);
  return {
    kubeConfig,
    custom: api(CustomObjectsApi),
    batch: api(BatchV1Api),
    apps: api(AppsV1Api),
    core: api(CoreV1Api),
    autoscaling: api(AutoscalingV2Api),
    policy: api(PolicyV1Api),
    coordination: api(CoordinationV1Api),
    authentication: api(AuthenticationV1Api),
    authorization: api(AuthorizationV1Api),
    watcher,
    auth,
  };
}
