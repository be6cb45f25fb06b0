// The predictor Service, written in the background. Creating a Service allocates a cluster IP,
// the slowest write of a rollout (seconds with a thousand models on one API server), and
// nothing else in the rollout needs it, so a reconcile does not hold its worker for it. The
// model is not reported Serving until the Service is in the cache with the hash of what was
// applied; a failed write is logged and written again by a later reconcile, after a delay
// that doubles with each failure in a row. A few writes go out at once and the rest wait
// their turn: a thousand Service creates at once only time out on the API server.
import { PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import { GROUP } from '../../api/v1alpha1/common.ts';
import { backoffDelay } from '../../runtime/backoff.ts';
import { describeApiError } from '../../runtime/k8s-errors.ts';
import { FIELD_MANAGER } from '../shared/labels.ts';
import type { PersonaModelContext } from './context.ts';

/**
 * On the Deployment: the hash of everything applied for a version (equal hashes mean nothing
 * to apply); on the Service: the hash of the Service as applied.
 */
export const APPLIED_HASH_ANNOTATION = `${GROUP}/applied-hash`;
/** How soon a rollout waiting only for its Service looks again. */
export const SERVICE_RECHECK_MS = 1000;
const RETRY = { baseMs: 2000, maxMs: 300_000 };
/** Service writes in flight at once. */
export const SERVICE_WRITERS = 8;

export interface ServiceState {
  ready: boolean;
  /** When not ready: why, for the rollout's message, and when to look again. */
  message?: string;
  recheckAfterMs?: number;
}

type ServiceContext = Pick<PersonaModelContext, 'clients' | 'services' | 'logger' | 'clock'>;

/** Keys with a write under way or waiting for a writer, and the end of that write. */
const writing = new Map<string, Promise<void>>();
const waiting: (() => void)[] = [];
let active = 0;
const failures = new Map<string, { count: number; at: number; message: string }>();

/**
 * Whether the Service `key` is applied as `service` (whose hash is `hash`); when it is not,
 * starts writing it unless a write is under way or the last failure's delay has not passed.
 */
export function ensurePredictorService(
  ctx: ServiceContext,
  key: string,
  service: V1Service,
  hash: string,
): ServiceState {
  if (ctx.services.get(key)?.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] === hash) {
    failures.delete(key);
    return { ready: true };
  }
  const now = ctx.clock.now();
  const failed = failures.get(key);
  const wait = failed ? Math.max(0, failed.at + backoffDelay(failed.count, RETRY) - now) : 0;
  if (!writing.has(key) && wait === 0)
    writing.set(
      key,
      inTurn(() => write(ctx, key, service, hash)),
    );
  if (!failed)
    return { ready: false, message: 'waiting for the predictor Service', recheckAfterMs: SERVICE_RECHECK_MS };
  return {
    ready: false,
    message: `the predictor Service could not be applied (${failed.count} time(s)): ${failed.message}`,
    recheckAfterMs: Math.max(SERVICE_RECHECK_MS, wait),
  };
}

/** Runs `run` once a writer is free; a finished write hands its writer to the next in line. */
async function inTurn(run: () => Promise<void>): Promise<void> {
  if (active >= SERVICE_WRITERS) await new Promise<void>((resolve) => waiting.push(resolve));
  else active++;
  try {
    await run();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else active--;
  }
}

async function write(ctx: ServiceContext, key: string, service: V1Service, hash: string): Promise<void> {
  const [namespace, name] = key.split('/');
  const body: V1Service = {
    ...service,
    metadata: {
      ...service.metadata,
      annotations: { ...service.metadata?.annotations, [APPLIED_HASH_ANNOTATION]: hash },
    },
  };
  try {
    const applied = await ctx.clients.core.patchNamespacedService(
      { name, namespace, body, fieldManager: FIELD_MANAGER, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    ctx.services.remember(key, applied);
    failures.delete(key);
  } catch (err) {
    const message = describeApiError(err);
    const count = (failures.get(key)?.count ?? 0) + 1;
    failures.set(key, { count, at: ctx.clock.now(), message });
    ctx.logger.warn({ service: key, err: message, failures: count }, 'could not apply the predictor Service');
  } finally {
    writing.delete(key);
  }
}

/** Resolves once the Service writes under way have ended. */
export async function serviceWritesSettled(): Promise<void> {
  await Promise.all([...writing.values()]);
}
