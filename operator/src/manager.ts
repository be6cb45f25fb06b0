// The operator process: shared informers, the registry connection, the controllers, leader
// election gating their workers, and the health/metrics server. Controllers are built from
// the shared dependencies, so each kind is one more factory in the list.
import { KubeConfig } from '@kubernetes/client-node';
import { REPORTS_PREFIX, handleReportRequest } from './reports/server.ts';
import { Registry } from '@persona-operator/registry';
import { classifyDbError } from '@persona-operator/registry/errors';
import { ConsoleAccess, kubeAccessReviews } from './console/access.ts';
import { CONSOLE_PREFIX, handleConsoleRequest, type ConsoleDeps } from './console/server.ts';
import { driftMonitorControllerFactory, driftMonitorKind } from './controllers/driftmonitor/factory.ts';
import { personaModelControllerFactory } from './controllers/personamodel/factory.ts';
import type { ControllerDeps, ControllerFactory } from './controllers/shared/factory.ts';
import { DEFAULT_CONFIG, type OperatorConfig } from './config.ts';
import { makeClients, type KubeClients } from './kube/clients.ts';
import { InformerFactory, personaModelKind } from './kube/informers.ts';
import { backoffDelay } from './runtime/backoff.ts';
import { ControllerRunner, DEFAULT_WORKERS } from './runtime/controller.ts';
import { countedRecorder, KubeEventRecorder } from './runtime/events.ts';
import { startHealthServer, type HealthServer } from './runtime/health.ts';
import { LeaderElector } from './runtime/leader.ts';
import type { Logger } from './runtime/logger.ts';
import { createMetrics, type OperatorMetrics } from './runtime/metrics.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name?: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
}

export interface ManagerOptions {
  kubeConfig: KubeConfig;
  /** Namespaces to watch; empty or undefined watches all. */
  namespaces?: string[];
  /** Undefined: act at once, as the only replica. */
  leaderElection?: LeaderElectionOptions;
  identity: string;
  healthPort: number;
  host: string;
  /** The registry the operator itself reads and writes; never logged (it holds a password). */
  registryUrl: string;
  config?: OperatorConfig;
  logger: Logger;
  workers?: number;
  watchTimeoutSeconds?: number;
  /** Serve the console to requests without a bearer token (see docs/console.md). */
  consoleWithoutToken?: boolean;
  /** Serve the console and report pages without a token to loopback callers (kubectl port-forward). */
  loopbackWithoutToken?: boolean;
}

export const DEFAULT_CONTROLLERS: ControllerFactory[] = [
  personaModelControllerFactory,
  driftMonitorControllerFactory,
];

/**
 * Connects to the registry and brings its schema up to date (a fresh database gets every
 * table before the first reconcile reads one; replicas starting together serialise on the
 * migration lock), retrying until it answers or `cancelled()` says to give up. A permanent
 * database error (wrong password, no privilege) ends the start: retrying cannot fix it.
 */
async function connectRegistry(
  url: string,
  poolSize: number,
  logger: Logger,
  cancelled: () => boolean,
): Promise<Registry> {
  for (let attempt = 1; ; attempt++) {
    let registry: Registry | undefined;
    try {
      registry = await Registry.connect(url, { applicationName: 'persona-operator', max: poolSize });
      const { from, to, applied } = await registry.migrate();
      if (applied.length > 0) logger.info({ from, to, applied }, 'registry schema migrated');
      return registry;
    } catch (err) {
      await registry?.close().catch(() => undefined);
      if (cancelled() || classifyDbError(err) === 'permanent') throw err;
      // The error text of pg never includes the connection string; the URL itself is not logged.
      logger.warn({ err: (err as Error).message, attempt }, 'registry unreachable; retrying');
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { baseMs: 500, maxMs: 10_000 })));
    }
  }
}

/** Connections beyond the workers' own: the console and the drift report pages. */
const PAGE_CONNECTIONS = 2;

/**
 * The registry pool: a connection for every worker of every controller (a reconcile holds at
 * most one at a time), so a worker never waits for another's query, and a wait never runs
 * into the pool's connect timeout and fails the reconcile.
 */
export function registryPoolSize(workersPerController: number, controllers: number): number {
  return workersPerController * controllers + PAGE_CONNECTIONS;
}

/** How long a stopping operator waits for queued Events to be written. */
const EVENT_FLUSH_MS = 5000;

export class Manager {
  readonly metrics: OperatorMetrics = createMetrics({ defaultMetrics: true });
  private runners: ControllerRunner[] = [];
  private informers: InformerFactory | undefined;
  private clients: KubeClients | undefined;
  private events: KubeEventRecorder | undefined;
  private registry: Registry | undefined;
  private health: HealthServer | undefined;
  private console: ConsoleDeps | undefined;
  private elector: LeaderElector | undefined;
  private electing: Promise<void> | undefined;
  private pausing: Promise<void> | undefined;
  private stopping = false;
  private leading = false;

  constructor(
    private readonly opts: ManagerOptions,
    private readonly controllers: ControllerFactory[] = DEFAULT_CONTROLLERS,
  ) {}

  get healthPort(): number | undefined {
    return this.health?.port;
  }

  async start(): Promise<void> {
    const { opts, metrics } = this;
    const logger = opts.logger;
    const clients = makeClients(opts.kubeConfig, metrics);
    this.clients = clients;
    // One decision for the console and the report pages: both show a namespace's models.
    const access = new ConsoleAccess(kubeAccessReviews(clients), {
      allowWithoutToken: opts.consoleWithoutToken ?? false,
      loopbackWithoutToken: opts.loopbackWithoutToken ?? true,
    });
    this.health = await startHealthServer({
      port: opts.healthPort,
      host: opts.host,
      registry: metrics.registry,
      readiness: {
        informers: () => (this.informers?.hasSynced() ? undefined : 'caches not synced yet'),
        registry: () => (this.registry ? undefined : 'registry not connected yet'),
      },
      // Drift report pages (linked from DriftMonitor status and notifications), on every replica.
      routes: [
        {
          prefix: REPORTS_PREFIX,
          handle: async (req, res) => {
            if (!this.registry) {
              res.writeHead(503, { 'content-type': 'text/plain' }).end('the registry is not connected yet\n');
              return;
            }
            await handleReportRequest({ source: this.registry, access }, req, res);
          },
        },
        // The read-only console; the trailing slash is left off so /console redirects to /console/.
        {
          prefix: CONSOLE_PREFIX.slice(0, -1),
          handle: async (req, res) => {
            if (!this.console || !this.informers?.hasSynced()) {
              res
                .writeHead(503, { 'content-type': 'text/plain' })
                .end('the console is starting; try again shortly\n');
              return;
            }
            await handleConsoleRequest(this.console, req, res);
          },
        },
      ],
    });
    logger.info({ port: this.health.port }, 'health and metrics server listening');
    const poolSize = registryPoolSize(opts.workers ?? DEFAULT_WORKERS, this.controllers.length);
    this.registry = await connectRegistry(opts.registryUrl, poolSize, logger, () => this.stopping);
    this.informers = new InformerFactory({
      clients,
      namespaces: opts.namespaces,
      logger,
      metrics,
      watchTimeoutSeconds: opts.watchTimeoutSeconds,
    });
    this.events = new KubeEventRecorder(clients.core, logger, opts.identity, {
      dropped: () => metrics.eventsDropped.inc(),
    });
    const deps: ControllerDeps = {
      clients,
      informers: this.informers,
      registry: this.registry,
      events: countedRecorder(this.events, metrics.events),
      config: opts.config ?? DEFAULT_CONFIG,
      logger,
      metrics,
    };
    this.runners = this.controllers.map(
      (make) => new ControllerRunner(make(deps), { metrics, logger, workers: opts.workers }),
    );
    const registry = this.registry;
    const models = this.informers.store(personaModelKind);
    const monitors = this.informers.store(driftMonitorKind);
    this.console = {
      source: {
        registry,
        personaModels: () => models.list(),
        driftMonitors: () => monitors.list(),
        now: () => new Date(),
      },
      access,
      onError: (err, path) => logger.warn({ err: (err as Error).message, path }, 'console page failed'),
    };
    await this.informers.start();
    logger.info({ namespaces: opts.namespaces?.length ? opts.namespaces : 'all' }, 'caches synced');
    if (this.stopping) return;
    const le = opts.leaderElection;
    if (!le) {
      this.startLeading();
      return;
    }
    this.elector = new LeaderElector({
      api: clients.coordination,
      namespace: le.namespace,
      name: le.name ?? 'persona-operator',
      identity: opts.identity,
      leaseDurationSeconds: le.leaseDurationSeconds,
      renewDeadlineSeconds: le.renewDeadlineSeconds,
      retryPeriodSeconds: le.retryPeriodSeconds,
      logger,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => {
        metrics.leader.set(0);
        this.leading = false;
        if (!this.stopping) {
          logger.error('leadership lost; pausing the controllers and campaigning again');
          this.pausing = Promise.all(this.runners.map((r) => r.pause())).then(() => undefined);
        }
      },
    });
    this.electing = this.campaign(this.elector);
  }

  /**
   * Campaigns for as long as the process runs. A leader that could not renew (an API server
   * outage longer than the renew deadline) pauses its workers and campaigns again, so it
   * recovers without a restart; the lease keeps two replicas from acting at once.
   */
  private async campaign(elector: LeaderElector): Promise<void> {
    while (!this.stopping) {
      await elector.run();
      await this.pausing;
    }
  }

  private startLeading(): void {
    if (this.leading || this.stopping) return;
    this.leading = true;
    this.metrics.leader.set(1);
    for (const r of this.runners) r.start();
    this.opts.logger.info({ identity: this.opts.identity }, 'controllers started');
  }

  /** Graceful stop: finish reconciles in flight, hand the lease back, close everything. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all(this.runners.map((r) => r.stop()));
    // The last reconciles' Events, unless the API server takes too long to take them.
    await Promise.race([this.events?.flush(), new Promise((r) => setTimeout(r, EVENT_FLUSH_MS).unref())]);
    await this.elector?.stop();
    await this.electing;
    this.informers?.stop();
    this.clients?.auth.close();
    await this.registry?.close().catch(() => undefined);
    await this.health?.close();
  }
}
