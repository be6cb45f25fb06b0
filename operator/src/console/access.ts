// Who may see what in the console and the drift report pages, the way kube-rbac-proxy decides:
// a bearer token is checked with a TokenReview, and each namespace with a SubjectAccessReview for
// `get personamodels` there. A request without a token is served in two cases only: it arrives
// on the loopback address (inside the operator's pod only `kubectl port-forward` connects from
// there, and the API server authorised that caller), or the operator was started to serve such
// requests (for the API server's service proxy). Otherwise it gets 401.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GROUP } from '../api/v1alpha1/common.ts';
import { PERSONA_MODEL_PLURAL } from '../api/v1alpha1/personamodel.ts';
import type { KubeClients } from '../kube/clients.ts';

/** The authenticated user, as the TokenReview returned it. */
export interface Caller {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The two questions asked of the API server. */
export interface AccessReviews {
  /** The user behind the token, or undefined when the API server does not accept it. */
  authenticate(token: string): Promise<Caller | undefined>;
  /** Whether the caller may `get` PersonaModels in `namespace`. */
  mayGetPersonaModels(caller: Caller, namespace: string): Promise<boolean>;
}

/** What one request may see. */
export interface Viewer {
  /** For logs and the page footer: the user, or how the unauthenticated request was let in. */
  describe: string;
  mayRead(namespace: string): Promise<boolean>;
}

export type AccessDecision = { ok: true; viewer: Viewer } | { ok: false; status: 401; message: string };

export interface ConsoleAccessOptions {
  /** Serve requests that carry no bearer token (all watched namespaces). */
  allowWithoutToken: boolean;
  /**
   * Serve requests without a token that come from a loopback address. Right where the operator
   * runs in a pod: the kubelet's port-forward connects from inside the pod's network namespace,
   * and nothing else can. Wrong on a shared host, where every local user could.
   */
  loopbackWithoutToken?: boolean;
  /** How long an answer of the API server is reused (default 60 s). */
  cacheMs?: number;
  now?: () => number;
}

/** What the decision reads of a request. */
export interface RequestCredentials {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string };
}

const BEARER = /^Bearer ([^\s]+)$/i;

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
}

const everyNamespace = (describe: string): AccessDecision => ({
  ok: true,
  viewer: { describe, mayRead: () => Promise.resolve(true) },
});

/** Answers kept for `cacheMs`, so a page with many namespaces costs one review each a minute. */
class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size > 10_000) this.entries.clear();
    const value = load();
    this.entries.set(key, { at: t, value });
    // A failed review is not remembered: the next request asks again.
    value.catch(() => this.entries.delete(key));
    return value;
  }
}

export class ConsoleAccess {
  private readonly callers: TtlCache<Caller | undefined>;
  private readonly grants: TtlCache<boolean>;

  constructor(
    private readonly reviews: AccessReviews,
    private readonly opts: ConsoleAccessOptions,
  ) {
    const now = opts.now ?? Date.now;
    this.callers = new TtlCache(opts.cacheMs ?? 60_000, now);
    this.grants = new TtlCache(opts.cacheMs ?? 60_000, now);
  }

  async decide(req: RequestCredentials): Promise<AccessDecision> {
    const header = req.headers.authorization;
    if (header === undefined) {
      if (this.opts.loopbackWithoutToken && isLoopback(req.socket.remoteAddress)) {
        return everyNamespace('kubectl port-forward (no token)');
      }
      if (this.opts.allowWithoutToken) return everyNamespace('a caller without a token');
      return {
        ok: false,
        status: 401,
        message:
          'this page needs a bearer token (Authorization: Bearer ...) of a user who may get personamodels, or kubectl port-forward to the operator',
      };
    }
    const token = BEARER.exec(header)?.[1];
    if (!token)
      return { ok: false, status: 401, message: 'the Authorization header is not "Bearer <token>"' };
    // Keyed by a hash: the cache never holds the token itself.
    const key = createHash('sha256').update(token).digest('hex');
    const caller = await this.callers.get(key, () => this.reviews.authenticate(token));
    if (!caller) return { ok: false, status: 401, message: 'the API server did not accept the bearer token' };
    return {
      ok: true,
      viewer: {
        describe: caller.username,
        mayRead: (namespace) =>
          this.grants.get(`${key}\n${namespace}`, () => this.reviews.mayGetPersonaModels(caller, namespace)),
      },
    };
  }
}

/** The reviews asked of the API server through the operator's own ServiceAccount. */
export function kubeAccessReviews(
  clients: Pick<KubeClients, 'authentication' | 'authorization'>,
): AccessReviews {
  return {
    async authenticate(token) {
      const review = await clients.authentication.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      const user = review.status?.user;
      if (!review.status?.authenticated || !user?.username) return undefined;
      return {
        username: user.username,
        ...(user.uid ? { uid: user.uid } : {}),
        groups: user.groups ?? [],
        ...(user.extra ? { extra: user.extra } : {}),
      };
    },
    async mayGetPersonaModels(caller, namespace) {
      const review = await clients.authorization.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: caller.username,
            uid: caller.uid,
            groups: caller.groups,
            extra: caller.extra,
            resourceAttributes: { group: GROUP, resource: PERSONA_MODEL_PLURAL, verb: 'get', namespace },
          },
        },
      });
      return review.status?.allowed === true;
    },
  };
}
