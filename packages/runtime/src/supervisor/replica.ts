import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { ReplicaStatus } from '@opsloop/contracts';
import type { Clock, TimerHandle } from '@opsloop/kit';
import type { EventListener } from '../events.js';
import type { LogSink } from '../logs/log-sink.js';
import type { EndpointRegistry } from '../registry/registry.js';
import type { HttpProbe, ServiceSpec } from '../spec/schema.js';
import { RestartBackoff } from './backoff.js';
import { isPortFree, type PortAllocator } from './ports.js';
import { ProbeTracker } from './probe-tracker.js';
import { probeResultOf, type ProbeResult } from './http-probe.js';
import { procTreeMemory, type MemoryReader } from './process-memory.js';
import { formatBytes } from '../spec/quantity.js';

/** How often a replica with a memory limit has its memory read (the kernel's OOM killer is instant; this is a poll). */
export const MEMORY_CHECK_MS = 1_000;

/** Until a replica is first ready its readiness is polled this often, so a start takes ~1 s, not a period. */
const STARTUP_READINESS_POLL_MS = 200;

/** Runs one HTTP probe; injectable so probe logic is tested without sockets. */
export type ProbeRunner = (url: string, timeoutMs: number) => Promise<boolean | ProbeResult>;

/** Options of a {@link Replica}. */
export interface ReplicaOptions {
  name: string;
  service: string;
  spec: ServiceSpec;
  /** Directory the spec's relative paths resolve against. */
  specDir: string;
  /** Environment of the process (the runtime composes it). */
  env: Record<string, string>;
  version: string;
  /** The template revision it runs, published with its endpoint (traffic splits go by revision). */
  revision?: string;
  ports: PortAllocator;
  registry: EndpointRegistry;
  logs: LogSink;
  clock: Clock;
  probe: ProbeRunner;
  onEvent: EventListener;
  /** Reads a process tree's memory (for `resources.memory`); /proc by default, injectable for tests. */
  memory?: MemoryReader;
  /**
   * Runs before every start of the process and gives it more environment (its identity: a fresh certificate
   * directory); a failure is a `StartError`, retried with back-off like any failed start.
   */
  prepare?: () => Promise<Record<string, string>>;
  /** Runs once the replica stopped for good (its identity is released). */
  cleanup?: () => Promise<void>;
}

/**
 * One replica slot: keeps a process running for it, like the kubelet does for a container. It spawns the
 * command with its own port, probes readiness (ready replicas are registered for discovery) and liveness
 * (failures kill it), and restarts it after any exit with CrashLoopBackOff-style back-off.
 */
export class Replica {
  readonly name: string;
  readonly service: string;
  readonly #o: ReplicaOptions;
  readonly #backoff: RestartBackoff;
  #phase: ReplicaStatus['phase'] = 'stopped';
  #child: ChildProcess | undefined;
  #port: number | null = null;
  #startedAt: number | null = null;
  #ready = false;
  #restarts = 0;
  #lastExit: ReplicaStatus['lastExit'] = null;
  #nextRestartAt: number | null = null;
  #killReason: string | undefined;
  /** Set by {@link Replica.restart}: the next exit is followed by an immediate start, outside the back-off. */
  #restartRequested = false;
  #timers = new Set<TimerHandle>();
  #exitWaiters: (() => void)[] = [];
  #readyWaiters: (() => void)[] = [];
  #generation = 0;

  constructor(options: ReplicaOptions) {
    this.#o = options;
    this.name = options.name;
    this.service = options.service;
    const b = options.spec.restartPolicy.backoff;
    this.#backoff = new RestartBackoff({
      initialMs: b.initialSeconds * 1000,
      maxMs: b.maxSeconds * 1000,
      resetAfterMs: b.resetAfterSeconds * 1000,
    });
  }

  /** Starts the replica's lifecycle (idempotent while running). */
  start(): void {
    if (this.#phase !== 'stopped') return;
    this.#phase = 'starting';
    void this.#launch();
  }

  /** Resolves once the replica is ready (immediately if it is). */
  whenReady(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  get ready(): boolean {
    return this.#ready;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Status for the control API. */
  status(): ReplicaStatus {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      name: this.name,
      service: this.service,
      phase: this.#phase,
      ready: this.#ready,
      pid: this.pid,
      port: this.#port,
      url: this.#port === null ? null : `http://127.0.0.1:${this.#port}`,
      restarts: this.#restarts,
      lastExit: this.#lastExit,
      startedAt: iso(this.#startedAt),
      nextRestartAt: iso(this.#nextRestartAt),
    };
  }

  /**
   * Stops for good: leaves discovery first (so no new requests arrive), then SIGTERM, and SIGKILL after the
   * grace period. Resolves once the process is gone.
   */
  async stop(options: { drain?: boolean } = {}): Promise<void> {
    if (this.#phase === 'stopped') return;
    this.#phase = 'stopping';
    this.#cancelTimers();
    this.#setReady(false, 'stopping');
    if (this.#child === undefined) {
      this.#phase = 'stopped';
      await this.#cleanup();
      return;
    }
    const exited = new Promise<void>((resolve) => this.#exitWaiters.push(resolve));
    // Out of discovery now: tell the process (kit services close keep-alive connections as their requests
    // end, so clients move to other replicas during the drain period). Others ignore the IPC message.
    const child = this.#child;
    if (child.connected) child.send({ type: 'opsloop:drain' }, () => undefined);
    // A whole-system shutdown skips the drain period: no other replica would take the traffic anyway.
    const drainMs = options.drain === false ? 0 : this.#o.spec.drainSeconds * 1000;
    if (drainMs > 0) {
      // Out of discovery already; requests already routed here finish before the process is asked to stop.
      await new Promise<void>((resolve) => {
        const handle = this.#o.clock.after(drainMs, resolve);
        void exited.then(() => {
          handle.cancel();
          resolve();
        });
      });
    }
    this.#terminate(this.#o.spec.terminationGracePeriodSeconds * 1000);
    await exited;
    await this.#cleanup();
  }

  async #cleanup(): Promise<void> {
    try {
      await this.#o.cleanup?.();
    } catch {
      // Best effort: what is left behind lives under the state directory and goes with the next start.
    }
  }

  /**
   * Restarts the process now, as `kubectl delete pod` would have it replaced: leaves discovery, SIGTERM, SIGKILL
   * after the grace period, and starts again at once (an ordered restart is not a crash: no back-off). False
   * when the replica has no process to restart (starting, in back-off, stopping).
   */
  restart(reason: string): boolean {
    if (this.#phase !== 'running' || this.#child === undefined) return false;
    this.#restartRequested = true;
    this.#killReason = reason;
    this.#setReady(false, reason);
    this.#terminate(this.#o.spec.terminationGracePeriodSeconds * 1000);
    return true;
  }

  /**
   * Sends `signal` to the process group, as a crash or an outside kill would (fault injection): the exit is
   * handled like any other (back-off included). False when there is no process.
   */
  kill(signal: NodeJS.Signals): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#phase === 'stopping' || this.#phase === 'stopped') return false;
    signalGroup(pid, signal);
    return true;
  }

  /** Last-resort synchronous kill of the process group (used when the runtime itself is exiting). */
  killNow(): void {
    const pid = this.#child?.pid;
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  }

  #after(ms: number, fn: () => void): void {
    const handle = this.#o.clock.after(ms, () => {
      this.#timers.delete(handle);
      fn();
    });
    this.#timers.add(handle);
  }

  #cancelTimers(): void {
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
  }

  async #launch(): Promise<void> {
    if (this.#phase === 'stopping' || this.#phase === 'stopped') return;
    const generation = ++this.#generation;
    this.#phase = 'starting';
    this.#nextRestartAt = null;
    this.#killReason = undefined;
    const { spec } = this.#o;
    let port: number;
    let prepared: Record<string, string> = {};
    try {
      if (this.#o.prepare !== undefined) prepared = await this.#o.prepare();
      if (spec.port === 'auto') port = await this.#o.ports.allocate();
      else if (await isPortFree(spec.port)) port = spec.port;
      else throw new Error(`port ${spec.port} is already in use`);
    } catch (error) {
      this.#startedAt = this.#o.clock.now();
      this.#handleExit(null, null, `StartError: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (this.#phase !== 'starting' || generation !== this.#generation) {
      // Stopped while preparing: what `prepare` made after the stop's cleanup must go too.
      if ((this.#phase as string) === 'stopped') await this.#cleanup();
      return;
    }
    this.#port = port;
    const cwd = resolve(this.#o.specDir, spec.cwd);
    const [program, ...args] = spec.command as [string, ...string[]];
    const env = { ...this.#o.env, ...prepared, PORT: String(port), HOST: '127.0.0.1' };
    let child: ChildProcess;
    try {
      // Own process group: a terminal's Ctrl-C reaches only the runtime, which stops replicas in order.
      child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
    } catch (error) {
      this.#startedAt = this.#o.clock.now();
      this.#handleExit(null, null, `StartError: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.#child = child;
    this.#startedAt = this.#o.clock.now();
    let exited = false;
    child.on('error', (error) => {
      // spawn failures (ENOENT, EACCES) arrive here and are followed by no 'exit' event.
      if (exited || child.pid !== undefined) return;
      exited = true;
      this.#child = undefined;
      this.#handleExit(null, null, `StartError: ${error.message}`);
    });
    child.once('exit', (code, signal) => {
      if (exited) return;
      exited = true;
      this.#child = undefined;
      this.#handleExit(code, signal, undefined);
    });
    for (const [stream, source] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      if (source === null) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
        this.#o.logs.line(this.name, stream, line);
      });
    }
    if (child.pid === undefined) return;
    this.#phase = 'running';
    this.#o.onEvent({
      type: 'replica-started',
      replica: this.name,
      service: this.service,
      pid: child.pid,
      port,
    });
    this.#scheduleProbes(generation, port);
    if (spec.resources.memory !== undefined) this.#watchMemory(generation, child.pid, spec.resources.memory);
  }

  /**
   * Enforces the memory limit like a container's cgroup does: a replica whose process tree goes over it is
   * SIGKILLed at once (no grace period) and its exit is reported as OOMKilled, then restarted with back-off.
   */
  #watchMemory(generation: number, pid: number, limit: number): void {
    const read = this.#o.memory ?? procTreeMemory;
    const check = async () => {
      if (generation !== this.#generation || this.#phase !== 'running') return;
      const used = await read(pid);
      if (generation !== this.#generation || this.#phase !== 'running') return;
      if (used === undefined) return; // No /proc here: nothing to enforce with (documented).
      if (used > limit) {
        this.#killReason = 'OOMKilled';
        this.#o.onEvent({
          type: 'replica-killed',
          replica: this.name,
          service: this.service,
          reason: `memory ${formatBytes(used)} over its limit of ${formatBytes(limit)} (OOMKilled)`,
        });
        this.#setReady(false, 'OOMKilled');
        signalGroup(pid, 'SIGKILL');
        return;
      }
      this.#after(MEMORY_CHECK_MS, () => void check());
    };
    this.#after(MEMORY_CHECK_MS, () => void check());
  }

  #scheduleProbes(generation: number, port: number): void {
    const { startup } = this.#o.spec.probes;
    const base = `http://127.0.0.1:${port}`;
    const current = () => generation === this.#generation && this.#phase === 'running';
    if (startup === undefined) {
      this.#scheduleRunningProbes(base, current);
      return;
    }
    // Kubernetes' startupProbe: readiness and liveness wait until it first succeeds; it fails the replica
    // once `failureThreshold × periodSeconds` (after `initialDelaySeconds`) pass without a success. Polled
    // fast (like readiness before its first success) so a quick start is not held back by the period.
    const deadline =
      this.#o.clock.now() +
      (startup.initialDelaySeconds + startup.failureThreshold * startup.periodSeconds) * 1000;
    const tick = async () => {
      if (!current()) return;
      const { ok } = probeResultOf(await this.#o.probe(base + startup.path, startup.timeoutSeconds * 1000));
      if (!current()) return;
      if (ok) {
        this.#scheduleRunningProbes(base, current);
        return;
      }
      if (this.#o.clock.now() >= deadline) {
        this.#killReason = 'StartupProbeFailed';
        this.#o.onEvent({
          type: 'replica-killed',
          replica: this.name,
          service: this.service,
          reason: `startup probe did not succeed within ${startup.failureThreshold * startup.periodSeconds} s`,
        });
        this.#terminate(this.#o.spec.terminationGracePeriodSeconds * 1000);
        return;
      }
      this.#after(STARTUP_READINESS_POLL_MS, () => void tick());
    };
    this.#after(startup.initialDelaySeconds * 1000, () => void tick());
  }

  #scheduleRunningProbes(base: string, current: () => boolean): void {
    const { readiness, liveness } = this.#o.spec.probes;
    if (readiness === undefined) {
      this.#setReady(true, 'started');
    } else {
      const tracker = new ProbeTracker(readiness, false);
      let everReady = false;
      let lastFailure: string | undefined;
      const tick = async () => {
        if (!current()) return;
        const result = probeResultOf(
          await this.#o.probe(base + readiness.path, readiness.timeoutSeconds * 1000),
        );
        if (!current()) return;
        if (!result.ok) lastFailure = result.detail;
        // The reason names what failed (a `/readyz` check, a timeout): what tells an outage of a dependency
        // from a hung process for whoever reads the event, root-cause analysis included.
        if (tracker.record(result.ok))
          this.#setReady(
            tracker.passing,
            lastFailure === undefined ? 'readiness probe failed' : `readiness probe failed (${lastFailure})`,
          );
        everReady ||= tracker.passing;
        this.#after(
          everReady ? readiness.periodSeconds * 1000 : STARTUP_READINESS_POLL_MS,
          () => void tick(),
        );
      };
      this.#after(readiness.initialDelaySeconds * 1000, () => void tick());
    }

    if (liveness !== undefined) this.#scheduleLiveness(liveness, base + liveness.path, current);
  }

  #scheduleLiveness(probe: HttpProbe, url: string, current: () => boolean): void {
    const tracker = new ProbeTracker(probe, true);
    const tick = async () => {
      if (!current()) return;
      const { ok } = probeResultOf(await this.#o.probe(url, probe.timeoutSeconds * 1000));
      if (!current()) return;
      if (tracker.record(ok) && !tracker.passing) {
        this.#killReason = 'LivenessProbeFailed';
        this.#o.onEvent({
          type: 'replica-killed',
          replica: this.name,
          service: this.service,
          reason: `liveness probe failed ${tracker.consecutiveFailures} times`,
        });
        this.#setReady(false, 'liveness probe failed');
        this.#terminate(this.#o.spec.terminationGracePeriodSeconds * 1000);
        return;
      }
      this.#after(probe.periodSeconds * 1000, () => void tick());
    };
    this.#after(
      Math.max(probe.initialDelaySeconds, 0) * 1000 + probe.periodSeconds * 1000,
      () => void tick(),
    );
  }

  #setReady(ready: boolean, reason: string): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    if (ready && this.#port !== null) {
      const url = `http://127.0.0.1:${this.#port}`;
      this.#o.registry.set(this.service, {
        instance: this.name,
        url,
        version: this.#o.version,
        ...(this.#o.revision === undefined ? {} : { revision: this.#o.revision }),
      });
      this.#o.onEvent({ type: 'replica-ready', replica: this.name, service: this.service, url });
      for (const wake of this.#readyWaiters.splice(0)) wake();
    } else {
      this.#o.registry.remove(this.service, this.name);
      this.#o.onEvent({ type: 'replica-unready', replica: this.name, service: this.service, reason });
    }
  }

  #terminate(graceMs: number): void {
    const child = this.#child;
    const pid = child?.pid;
    if (child === undefined || pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const handle = this.#o.clock.after(graceMs, () => {
      if (this.#child === child) signalGroup(pid, 'SIGKILL');
    });
    child.once('exit', () => handle.cancel());
  }

  #handleExit(code: number | null, signal: NodeJS.Signals | null, startError: string | undefined): void {
    this.#cancelTimers();
    this.#setReady(false, 'exited');
    if (this.#port !== null && this.#o.spec.port === 'auto') this.#o.ports.release(this.#port);
    this.#port = null;
    const now = this.#o.clock.now();
    const reason =
      startError ??
      this.#killReason ??
      (signal !== null
        ? `Signal(${signal})`
        : code === 0
          ? 'Completed'
          : code === 78
            ? 'ConfigError'
            : 'Error');
    this.#lastExit = { reason, code, signal, at: new Date(now).toISOString() };
    const stopping = this.#phase === 'stopping';
    const requested = this.#restartRequested;
    this.#restartRequested = false;
    const delay = stopping ? null : requested ? 0 : this.#backoff.onExit(now - (this.#startedAt ?? now));
    this.#o.onEvent({
      type: 'replica-exited',
      replica: this.name,
      service: this.service,
      reason,
      code,
      signal,
      restartInMs: delay,
    });
    if (delay === null) {
      this.#phase = 'stopped';
      for (const wake of this.#exitWaiters.splice(0)) wake();
      return;
    }
    this.#restarts++;
    this.#phase = 'backoff';
    this.#nextRestartAt = now + delay;
    this.#after(delay, () => void this.#launch());
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
