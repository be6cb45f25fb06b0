// API calls over kept-alive connections. client-node makes a new https.Agent for every request
// (KubeConfig.applySecurityAuthentication), so each call opens its own TCP connection and does
// a full TLS handshake: with a thousand models that is a large share of the operator's and the
// API server's CPU. Here the kubeconfig still decides the headers and TLS material of every
// call (a refreshed token or a rotated certificate counts from the next call on); only the agent
// is reused, for as long as that material stays the same.
import { Agent, type AgentOptions } from 'node:https';
import {
  ServerConfiguration,
  createConfiguration,
  type ApiConstructor,
  type ApiType,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/** The TLS settings that tell one kubeconfig agent from another. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * Idle connections close after this long, well before the API server's own idle timeout
 * (90 s), so a call never picks a connection the server is closing at that moment.
 */
const IDLE_TIMEOUT_MS = 30_000;

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return a === b;
}

function sameTls(a: AgentOptions, b: AgentOptions): boolean {
  return TLS_FIELDS.every((f) => sameValue(a[f], b[f]));
}

export class KeepAliveAuth implements SecurityAuthentication {
  private shared: Agent | undefined;

  constructor(private readonly kubeConfig: KubeConfig) {}

  getName(): string {
    return 'kubeconfig over kept-alive connections';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.kubeConfig.applySecurityAuthentication(context);
    const made = context.getAgent();
    // A proxy's agent (a subclass) or plain HTTP keeps what the kubeconfig made.
    if (made?.constructor !== Agent) return;
    const tls = (made as Agent).options;
    if (!this.shared || !sameTls(this.shared.options, tls)) {
      this.shared?.destroy();
      const picked = Object.fromEntries(TLS_FIELDS.map((f) => [f, tls[f]]));
      this.shared = new Agent({ ...picked, keepAlive: true, timeout: IDLE_TIMEOUT_MS });
    }
    context.setAgent(this.shared);
  }

  /** The agent the calls share (undefined before the first call); for tests and diagnostics. */
  get agent(): Agent | undefined {
    return this.shared;
  }

  /** Closes the idle connections, so a stopping process is not held open by them. */
  close(): void {
    this.shared?.destroy();
    this.shared = undefined;
  }
}

/** `kubeConfig.makeApiClient(type)`, authenticating through `auth`. */
export function makeApiClient<T extends ApiType>(
  kubeConfig: KubeConfig,
  type: ApiConstructor<T>,
  auth: SecurityAuthentication,
): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  return new type(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth },
    }),
  );
}
