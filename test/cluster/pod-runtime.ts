// One pod on the node agent: its containers as local process groups, their restarts
// with back-off, probes, and the pod status the kubelet would report.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  V1Container,
  V1ContainerState,
  V1ContainerStatus,
  V1Pod,
  V1PodCondition,
  V1PodStatus,
  V1Probe,
} from '@kubernetes/client-node';
import { lookupImage, type ImageTable, type LaunchSpec } from './images.ts';
import { OutputBuffer } from './output.ts';
import { containerEnv, ContainerConfigError, expandVars, type EnvSources } from './pod-env.ts';
import { probeOnce } from './probes.ts';
import type { ManagedProcess, Supervisor } from './processes.ts';

export interface PodRuntimeDeps {
  supervisor: Supervisor;
  images: ImageTable;
  sources: EnvSources;
  hostIP: string;
  /** Environment every process gets before the container's own (PATH and the like). */
  baseEnv: Record<string, string>;
  /** Environment every process gets after the container's own (the agent's contract: pod IP, API access). */
  podEnv(pod: V1Pod, dir: string): Promise<Record<string, string>>;
  /** Called whenever the status may have changed. */
  changed(): void;
  restartBackoffMs: { initial: number; max: number };
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
const CONFIG_RETRY_MS = 1000;

function now(): string {
  return new Date().toISOString();
}

class Container {
  proc: ManagedProcess | undefined;
  state: V1ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: V1ContainerState = {};
  restartCount = 0;
  ready = false;
  started = false;
  timers = new Set<NodeJS.Timeout>();
  readonly output = new OutputBuffer();
  /** Set once the container will never run again (terminal exit, bad image, pod terminating). */
  done = false;
  /** A start is in progress or scheduled (retry, back-off): nothing else may start it. */
  launching = false;

  constructor(
    readonly spec: V1Container,
    readonly init: boolean,
  ) {}

  get sidecar(): boolean {
    return this.init && this.spec.restartPolicy === 'Always';
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  status(): V1ContainerStatus {
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      imageID: '',
      containerID: this.proc ? `persona-agent://${this.proc.pid}` : undefined,
      state: this.state,
      lastState: this.lastState,
      ready: this.ready,
      started: this.started,
      restartCount: this.restartCount,
    };
  }
}

/** The kubelet's fallback termination message: the last 80 lines, at most 2048 bytes. */
export function logTail(text: string): string | undefined {
  let tail = text.split('\n').slice(-81).join('\n');
  while (Buffer.byteLength(tail) > 2048) tail = tail.slice(Math.max(1, tail.length - 2048));
  return tail.trim() ? tail : undefined;
}

export class PodRuntime {
  readonly dir: string;
  private readonly containers: Container[];
  private readonly initContainers: Container[];
  private readonly startTime = now();
  private terminating = false;
  private initIndex = 0;
  private initFailed = false;
  /** When each condition last changed: controllers read it (e.g. Deployment minReadySeconds). */
  private readonly transitions = new Map<string, { ok: boolean; at: Date }>();

  constructor(
    public pod: V1Pod,
    readonly podIP: string,
    private readonly deps: PodRuntimeDeps,
  ) {
    this.dir = join(
      deps.supervisor.dir,
      'pods',
      `${pod.metadata!.namespace}_${pod.metadata!.name}_${pod.metadata!.uid}`,
    );
    mkdirSync(this.dir, { recursive: true });
    this.initContainers = (pod.spec?.initContainers ?? []).map((c) => new Container(c, true));
    this.containers = (pod.spec?.containers ?? []).map((c) => new Container(c, false));
    for (const c of this.initContainers) c.state = { waiting: { reason: 'PodInitializing' } };
  }

  get key(): string {
    return `${this.pod.metadata!.namespace}/${this.pod.metadata!.name}`;
  }

  start(): void {
    this.nextInit();
  }

  /** Output of every container, oldest first, with a header per container. */
  output(): string {
    return [...this.initContainers, ...this.containers]
      .map((c) => `----- ${this.key} container ${c.spec.name} -----\n${c.output.text()}`)
      .join('\n');
  }

  private nextInit(): void {
    if (this.terminating) return;
    while (this.initIndex < this.initContainers.length) {
      const c = this.initContainers[this.initIndex];
      if (c.sidecar ? c.started : c.state.terminated?.exitCode === 0 && c.done) {
        this.initIndex++;
        continue;
      }
      if (!c.launching && (!c.proc || c.proc.exitInfo())) void this.run(c);
      return;
    }
    for (const c of this.containers) if (!c.proc && !c.done && !c.launching) void this.run(c);
  }

  private restartPolicyFor(c: Container): string {
    if (c.sidecar) return 'Always';
    const pod = this.pod.spec?.restartPolicy ?? 'Always';
    // Init containers of an Always pod are retried on failure, never rerun after success.
    return c.init && pod === 'Always' ? 'OnFailure' : pod;
  }

  private async launchSpec(
    c: Container,
  ): Promise<{ spec: LaunchSpec; env: Record<string, string> } | undefined> {
    const image = c.spec.image ?? '';
    const cmd = lookupImage(this.deps.images, image);
    if (!cmd) {
      c.state = {
        waiting: {
          reason: 'ErrImagePull',
          message:
            `image "${image}" is not runnable by the node agent: it runs only ` +
            `${Object.keys(this.deps.images).join(', ')} (any registry prefix and tag)`,
        },
      };
      c.done = true;
      this.deps.changed();
      return undefined;
    }
    let env: Record<string, string>;
    try {
      const own = await containerEnv(
        this.pod,
        c.spec,
        { podIP: this.podIP, hostIP: this.deps.hostIP },
        this.deps.sources,
      );
      env = { ...this.deps.baseEnv, ...own, ...(await this.deps.podEnv(this.pod, this.dir)) };
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      c.state = { waiting: { reason: 'CreateContainerConfigError', message: err.message } };
      this.deps.changed();
      c.later(CONFIG_RETRY_MS, () => void this.run(c));
      return undefined;
    }
    const expand = (list: string[] | undefined): string[] => (list ?? []).map((a) => expandVars(a, env));
    try {
      return { spec: cmd({ command: expand(c.spec.command), args: expand(c.spec.args) }), env };
    } catch (err) {
      this.recordExit(c, 128, 'StartError', (err as Error).message, now());
      return undefined;
    }
  }

  private async run(c: Container): Promise<void> {
    if (this.terminating || c.done) return;
    c.launching = true;
    let launch: Awaited<ReturnType<PodRuntime['launchSpec']>>;
    try {
      launch = await this.launchSpec(c);
    } catch (err) {
      c.state = { waiting: { reason: 'RunContainerError', message: (err as Error).message } };
      this.deps.changed();
      c.later(CONFIG_RETRY_MS, () => void this.run(c));
      return;
    }
    if (!launch || this.terminating) {
      // A retry timer (config error) keeps `launching` set; otherwise the attempt is over.
      if (c.timers.size === 0) c.launching = false;
      return;
    }
    c.launching = false;
    const startedAt = now();
    let proc: ManagedProcess;
    try {
      proc = this.deps.supervisor.spawn(`${this.key}/${c.spec.name}`, launch.spec.file, launch.spec.args, {
        cwd: c.spec.workingDir || this.dir,
        env: launch.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      this.recordExit(c, 128, 'StartError', (err as Error).message, startedAt);
      return;
    }
    c.proc = proc;
    let spawnError: string | undefined;
    proc.child.on('error', (err) => (spawnError = err.message));
    proc.child.stdout?.on('data', (d: Buffer) => c.output.append(d.toString('utf8')));
    proc.child.stderr?.on('data', (d: Buffer) => c.output.append(d.toString('utf8')));
    c.state = { running: { startedAt: new Date(startedAt) } };
    c.started = !c.spec.startupProbe;
    c.ready = !c.spec.readinessProbe && !c.init;
    this.deps.changed();
    this.startProbes(c, proc);
    if (c.sidecar && c.started) this.nextInit();
    const exit = await proc.exited;
    await proc.stop(0);
    c.clearTimers();
    const code = exit.code ?? 128 + (SIGNALS[exit.signal ?? ''] ?? 0);
    if (spawnError) this.recordExit(c, 128, 'StartError', spawnError, startedAt);
    else {
      // The kubelet's FallbackToLogsOnError: a failed container without a termination-log file
      // gets the tail of its output as the termination message.
      const message =
        code !== 0 && c.spec.terminationMessagePolicy === 'FallbackToLogsOnError'
          ? logTail(c.output.text())
          : undefined;
      this.recordExit(c, code, code === 0 ? 'Completed' : 'Error', message, startedAt, exit.signal);
    }
  }

  private recordExit(
    c: Container,
    exitCode: number,
    reason: string,
    message: string | undefined,
    startedAt: string,
    signal?: NodeJS.Signals | null,
  ): void {
    const terminated = {
      exitCode,
      reason,
      message,
      signal: signal ? SIGNALS[signal] : undefined,
      startedAt: new Date(startedAt),
      finishedAt: new Date(),
    };
    c.ready = false;
    const policy = this.restartPolicyFor(c);
    const restart = !this.terminating && (policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (!restart) {
      c.state = { terminated };
      c.done = true;
      if (c.init && exitCode !== 0) this.initFailed = true;
      this.deps.changed();
      if (c.init && exitCode === 0) this.nextInit();
      return;
    }
    c.lastState = { terminated };
    const delay = Math.min(
      this.deps.restartBackoffMs.initial * 2 ** Math.min(c.restartCount, 20),
      this.deps.restartBackoffMs.max,
    );
    c.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.spec.name} pod=${this.pod.metadata?.name}`,
      },
    };
    c.output.append(`\n[node agent: container exited with code ${exitCode}; restarting in ${delay} ms]\n`);
    c.launching = true;
    this.deps.changed();
    c.later(delay, () => {
      c.restartCount++;
      void this.run(c);
    });
  }

  private startProbes(c: Container, proc: ManagedProcess): void {
    const alive = (): boolean => !proc.exitInfo() && !this.terminating;
    const loop = (probe: V1Probe, onResult: (ok: boolean, message: string) => boolean): void => {
      let successes = 0;
      let failures = 0;
      const tick = async (): Promise<void> => {
        if (!alive()) return;
        const res = await probeOnce(probe, c.spec, this.podIP);
        if (!alive()) return;
        if (res.ok) {
          successes++;
          failures = 0;
        } else {
          failures++;
          successes = 0;
        }
        let keepGoing = true;
        if (successes >= (probe.successThreshold ?? 1)) keepGoing = onResult(true, '');
        else if (failures >= (probe.failureThreshold ?? 3))
          keepGoing = onResult(false, res.ok ? '' : res.message);
        if (keepGoing) c.later((probe.periodSeconds ?? 10) * 1000, () => void tick());
      };
      c.later((probe.initialDelaySeconds ?? 0) * 1000, () => void tick());
    };
    const kill = (why: string): void => {
      c.output.append(`\n[node agent: ${why}; killing the container]\n`);
      void proc.stop((this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
    };
    const afterStartup = (): void => {
      const { readinessProbe, livenessProbe } = c.spec;
      if (readinessProbe) {
        loop(readinessProbe, (ok) => {
          if (c.ready !== ok) {
            c.ready = ok;
            this.deps.changed();
          }
          return true;
        });
      } else if (!c.init && !c.ready) {
        c.ready = true;
        this.deps.changed();
      }
      if (livenessProbe) {
        loop(livenessProbe, (ok, message) => {
          if (!ok) kill(`liveness probe failed: ${message}`);
          return ok;
        });
      }
    };
    if (c.spec.startupProbe) {
      loop(c.spec.startupProbe, (ok, message) => {
        if (!ok) {
          kill(`startup probe failed: ${message}`);
          return false;
        }
        c.started = true;
        this.deps.changed();
        afterStartup();
        if (c.sidecar) this.nextInit();
        return false;
      });
    } else afterStartup();
  }

  /** Pod deletion: SIGTERM to every container, SIGKILL after the grace period. */
  async terminate(graceSeconds: number): Promise<void> {
    this.terminating = true;
    const all = [...this.initContainers, ...this.containers];
    for (const c of all) {
      c.clearTimers();
      c.ready = false;
      if (!c.proc || c.proc.exitInfo()) {
        c.done = true;
        if (c.state.waiting) c.state = { waiting: c.state.waiting };
      }
    }
    this.deps.changed();
    await Promise.all(all.map((c) => c.proc?.stop(graceSeconds * 1000)));
  }

  private phase(): string {
    const all = this.containers;
    if (this.initFailed) return 'Failed';
    const initDone = this.initIndex >= this.initContainers.length;
    if (!initDone) return 'Pending';
    if (all.every((c) => c.done && c.state.terminated)) {
      return all.every((c) => c.state.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    if (all.some((c) => c.state.running || c.lastState.terminated || c.state.terminated)) return 'Running';
    return 'Pending';
  }

  status(): V1PodStatus {
    const phase = this.phase();
    const terminal = phase === 'Succeeded' || phase === 'Failed';
    const initialized = this.initIndex >= this.initContainers.length;
    const containersReady = !terminal && initialized && this.containers.every((c) => c.ready);
    const cond = (type: string, ok: boolean, reason?: string): V1PodCondition => {
      let t = this.transitions.get(type);
      if (!t || t.ok !== ok) {
        t = { ok, at: new Date() };
        this.transitions.set(type, t);
      }
      return {
        type,
        status: ok ? 'True' : 'False',
        reason: ok ? undefined : reason,
        lastTransitionTime: t.at,
      };
    };
    const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
    return {
      phase,
      hostIP: this.deps.hostIP,
      hostIPs: [{ ip: this.deps.hostIP }],
      podIP: this.podIP,
      podIPs: [{ ip: this.podIP }],
      startTime: new Date(this.startTime),
      conditions: [
        cond('PodReadyToStartContainers', !terminal),
        cond('Initialized', initialized, 'ContainersNotInitialized'),
        cond('ContainersReady', containersReady, notReadyReason),
        cond('Ready', containersReady, notReadyReason),
        cond('PodScheduled', true),
      ],
      initContainerStatuses: this.initContainers.length
        ? this.initContainers.map((c) => c.status())
        : undefined,
      containerStatuses: this.containers.map((c) => c.status()),
    };
  }

  /** True once nothing will run again (terminal phase or terminated after deletion). */
  finished(): boolean {
    return [...this.initContainers, ...this.containers].every(
      (c) => !c.proc || c.proc.exitInfo() !== undefined,
    );
  }
}
