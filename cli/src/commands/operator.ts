// `persona operator`: runs the controller against any kubeconfig (in a cluster: the pod's
// service account). Logs are JSON lines (pino) because this is a service, not a one-shot CLI.
import { REGISTRY_URL_ENV } from '@persona-operator/jobs/job-env';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, type OperatorConfig } from '@persona-operator/operator/config';
import {
  loadKubeConfig,
  OperatorConfigError,
  runOperator,
  type OperatorOutcome,
} from '@persona-operator/operator/main';
import { DEFAULT_WORKERS } from '@persona-operator/operator/runtime/controller';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_TRANSIENT } from '@persona-operator/jobs/exit-codes';
import { CliError } from '../errors.ts';
import type { Command } from '../main.ts';
import { choiceFlag, intFlag } from '../flags.ts';
import { registryUrl } from '../registry-args.ts';

const usage = `Usage: persona operator [--kubeconfig FILE] [--namespace NS ...] [--leader-elect]
                        [--lease-namespace NS] [--health-port 8081] [--image IMG]
                        [--registry URL] [--default-registry-secret NAME/KEY]
                        [--console-without-token] [--loopback-without-token=false]

Runs the PersonaModel controller until SIGTERM or SIGINT.

Options:
  --kubeconfig FILE            cluster credentials (default: $KUBECONFIG, ~/.kube/config or in-cluster)
  --namespace NS               watch only this namespace; repeat for several (default: all)
  --leader-elect               elect one active replica through a Lease (--leader-elect=false: off)
  --lease-namespace NS         the Lease's namespace (default: $POD_NAMESPACE, else "default")
  --lease-name NAME            the Lease's name (default persona-operator)
  --lease-duration SECONDS     how long a leader's lease lasts without renewal (default 15)
  --renew-deadline SECONDS     a leader that cannot renew for this long steps down (default 10)
  --retry-period SECONDS       how often the lease is renewed or tried (default 2)
  --identity ID                this replica's name in the Lease (default: $POD_NAME or host-pid)
  --health-port PORT           /healthz, /readyz and /metrics (default 8081; 0 picks a free port)
  --image IMG                  image of training Jobs and predictors (default: $PERSONA_IMAGE)
  --registry URL               the registry the operator uses (default: $${REGISTRY_URL_ENV};
                               prefer the variable: arguments are visible to other processes)
  --default-registry-secret NAME/KEY
                               Secret handed to Jobs and predictors of models without
                               spec.registry (default persona-registry/url); it must name the
                               same database as --registry
  --workers N                  concurrent reconciles per controller (default 16)
  --console-without-token      serve the console (/console/) to requests without a bearer
                               token, for every watched namespace: only where the port is
                               reachable through kubectl port-forward or the API server's
                               service proxy alone (default: a token is required)
  --loopback-without-token=true|false
                               serve the console and the report pages without a token to
                               requests from a loopback address, which in a pod only kubectl
                               port-forward makes (default true; set false where the operator
                               runs on a host that others log in to)

Servers bind to $PERSONA_BIND_ADDRESS, else 0.0.0.0.`;

/** Accepts the `--flag=true|false` form Helm values produce for boolean flags besides the bare flag. */
function normaliseBooleans(argv: string[]): string[] {
  return argv.flatMap((a) => {
    // A flag that is on by default is a string option, so that =false can turn it off.
    if (a === '--loopback-without-token') return ['--loopback-without-token=true'];
    const m = /^--(leader-elect|console-without-token)=(.*)$/.exec(a);
    if (!m) return [a];
    return choiceFlag(`--${m[1]}`, m[2], ['true', 'false']) === 'true' ? [`--${m[1]}`] : [];
  });
}

function secretRef(value: string | undefined): OperatorConfig['defaultRegistrySecret'] {
  if (value === undefined) return DEFAULT_CONFIG.defaultRegistrySecret;
  const m = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/([-._a-zA-Z0-9]+)$/.exec(value);
  if (!m) {
    throw new CliError(
      `--default-registry-secret: expected NAME/KEY (a Secret name and a key), got ${JSON.stringify(value)}`,
    );
  }
  return { name: m[1], key: m[3] };
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

const EXIT_CODES: Record<OperatorOutcome, number> = {
  stopped: EXIT_OK,
  'failed-transient': EXIT_TRANSIENT,
};

export const command: Command = {
  summary: 'run the operator (PersonaModel and DriftMonitor controllers) against a cluster',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: normaliseBooleans(argv),
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string', multiple: true },
        'leader-elect': { type: 'boolean', default: false },
        'lease-namespace': { type: 'string' },
        'lease-name': { type: 'string' },
        'lease-duration': { type: 'string' },
        'renew-deadline': { type: 'string' },
        'retry-period': { type: 'string' },
        identity: { type: 'string' },
        'health-port': { type: 'string' },
        image: { type: 'string' },
        registry: { type: 'string' },
        'default-registry-secret': { type: 'string' },
        workers: { type: 'string' },
        'console-without-token': { type: 'boolean', default: false },
        'loopback-without-token': { type: 'string', default: 'true' },
      },
      strict: true,
      allowPositionals: false,
    });
    const env = process.env;
    const url = registryUrl(values.registry);
    const seconds = { min: 1 };
    const leaseDuration = intFlag('--lease-duration', values['lease-duration'], seconds) ?? 15;
    const renewDeadline =
      intFlag('--renew-deadline', values['renew-deadline'], seconds) ??
      Math.min(10, Math.max(1, leaseDuration - 2));
    const retryPeriod =
      intFlag('--retry-period', values['retry-period'], seconds) ?? Math.min(2, renewDeadline);
    if (renewDeadline >= leaseDuration)
      throw new CliError('--renew-deadline must be shorter than --lease-duration', EXIT_BAD_INPUT);
    if (retryPeriod > renewDeadline)
      throw new CliError('--retry-period must not exceed --renew-deadline', EXIT_BAD_INPUT);
    const healthPort = intFlag('--health-port', values['health-port'], { min: 0, max: 65535 }) ?? 8081;
    const workers = intFlag('--workers', values.workers, { min: 1 }) ?? DEFAULT_WORKERS;
    const config: OperatorConfig = {
      ...DEFAULT_CONFIG,
      image: values.image ?? env.PERSONA_IMAGE ?? DEFAULT_CONFIG.image,
      imagePullPolicy:
        choiceFlag('PERSONA_IMAGE_PULL_POLICY', env.PERSONA_IMAGE_PULL_POLICY || undefined, PULL_POLICIES) ??
        DEFAULT_CONFIG.imagePullPolicy,
      defaultRegistrySecret: secretRef(values['default-registry-secret']),
    };

    let kubeConfig;
    try {
      kubeConfig = loadKubeConfig(values.kubeconfig);
    } catch (err) {
      if (err instanceof OperatorConfigError) throw new CliError(err.message, EXIT_BAD_INPUT);
      throw err;
    }

    const identity = values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`;
    const outcome = await runOperator({
      kubeConfig,
      namespaces: values.namespace,
      leaderElection: values['leader-elect']
        ? {
            namespace: values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'default',
            name: values['lease-name'],
            leaseDurationSeconds: leaseDuration,
            renewDeadlineSeconds: renewDeadline,
            retryPeriodSeconds: retryPeriod,
          }
        : undefined,
      identity,
      healthPort,
      host: env.PERSONA_BIND_ADDRESS ?? '0.0.0.0',
      registryUrl: url,
      config,
      workers,
      consoleWithoutToken: values['console-without-token'],
      loopbackWithoutToken:
        choiceFlag('--loopback-without-token', values['loopback-without-token'], ['true', 'false']) ===
        'true',
    });
    return EXIT_CODES[outcome];
  },
};
