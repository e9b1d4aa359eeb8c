import { createHash } from 'node:crypto';
import type { ServiceStatus } from '@opsloop/contracts';
import type { Clock, TimerHandle } from '@opsloop/kit';
import { rolloutBounds, type ServiceSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import { impossibleRollout, planRollout } from './plan-rollout.js';

/** How often a controller re-checks its service even without events (level-triggered, as controllers are). */
export const RECONCILE_PERIOD_MS = 2_000;

/**
 * The revision of a service's replica template: a hash of everything that starts a replica (like a
 * Deployment's pod-template-hash). Replica count, exposure, dependencies and strategy are not in it:
 * changing them never replaces a replica.
 */
export function templateRevision(spec: ServiceSpec, extra = ''): string {
  const template = {
    command: spec.command,
    cwd: spec.cwd,
    port: spec.port,
    env: Object.fromEntries(Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b))),
    probes: spec.probes,
    resources: spec.resources,
    restartPolicy: spec.restartPolicy,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    drainSeconds: spec.drainSeconds,
  };
  // `extra` carries what the spec only refers to: secret revisions (never values) and config map data.
  return createHash('sha256').update(JSON.stringify(template)).update(extra).digest('hex').slice(0, 10);
}

/** Revisions kept for `rollout undo` (Kubernetes' revisionHistoryLimit default). */
export const REVISION_HISTORY_LIMIT = 10;

/** One template revision a service ran, for `rollout history` and `rollout undo`. */
export interface RevisionRecord {
  revision: string;
  /** When it became the desired template. */
  at: string;
  /** What made it: `start`, `apply`, `secret`, `undo`, `restart`. */
  cause: string;
  spec: ServiceSpec;
  extra: string;
}

/** Raised for a rollout command the controller cannot do (unknown revision, nothing to undo). */
export class RolloutError extends Error {
  override readonly name = 'RolloutError';
}

/** A replica with the template it was made from. */
interface Managed {
  replica: Replica;
  ordinal: number;
  revision: string;
}

/** Options of {@link ServiceController}. */
export interface ServiceControllerOptions {
  name: string;
  spec: ServiceSpec;
  /** What else the template depends on (see {@link templateRevision}). */
  extra?: string;
  /** Makes (does not start) the replica `<name>-<ordinal>` from `spec`. */
  makeReplica(ordinal: number, spec: ServiceSpec, revision: string): Replica;
  clock: Clock;
  /** Called when a rollout cannot make progress (e.g. its disruption budget forbids every step). */
  onBlocked?(reason: string): void;
}

/**
 * Keeps one service's replicas matching its desired spec, like a Deployment controller: creates and removes
 * replicas to match the count, and replaces replicas of an old template revision by a rolling update within
 * maxSurge / maxUnavailable and the disruption budget. Level-triggered: each pass looks at the current state
 * only; passes run after every change (`kick`) and every {@link RECONCILE_PERIOD_MS}.
 */
export class ServiceController {
  readonly name: string;
  #spec: ServiceSpec;
  #revision: string;
  #replicas: number;
  readonly #o: ServiceControllerOptions;
  readonly #managed: Managed[] = [];
  /** Replicas being drained and stopped: their ordinals stay taken until they are gone. */
  readonly #terminating = new Map<Replica, { ordinal: number; done: Promise<void> }>();
  #pass: Promise<void> = Promise.resolve();
  #again = false;
  #running = false;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #blocked: string | undefined;
  #extra: string;
  #paused = false;
  readonly #history: RevisionRecord[] = [];

  constructor(options: ServiceControllerOptions) {
    this.#o = options;
    this.name = options.name;
    this.#spec = options.spec;
    this.#extra = options.extra ?? '';
    this.#revision = templateRevision(options.spec, options.extra);
    this.#replicas = options.spec.replicas;
    this.#remember('start');
  }

  #remember(cause: string): void {
    const existing = this.#history.findIndex((r) => r.revision === this.#revision);
    if (existing >= 0) this.#history.splice(existing, 1);
    this.#history.push({
      revision: this.#revision,
      at: new Date(this.#o.clock.now()).toISOString(),
      cause,
      spec: this.#spec,
      extra: this.#extra,
    });
    if (this.#history.length > REVISION_HISTORY_LIMIT) this.#history.shift();
  }

  /** Template revisions, oldest first; the last is the desired one. */
  history(): readonly RevisionRecord[] {
    return this.#history;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Holds a rolling update where it is (replica count changes still apply); `resume` goes on. */
  pause(): void {
    this.#paused = true;
  }

  resume(): Promise<void> {
    this.#paused = false;
    return this.kick();
  }

  /**
   * Rolls back to an earlier revision (the previous one by default), as `kubectl rollout undo`: its template
   * becomes the desired one again (a rolling update), keeping the current replica count. Resolves with it.
   */
  async undo(toRevision?: string): Promise<RevisionRecord> {
    const target =
      toRevision === undefined ? this.#history.at(-2) : this.#history.find((r) => r.revision === toRevision);
    if (target === undefined)
      throw new RolloutError(
        toRevision === undefined
          ? `${this.name} has no earlier revision to go back to`
          : `${this.name} has no revision ${toRevision} (known: ${this.#history.map((r) => r.revision).join(', ')})`,
      );
    if (target.revision === this.#revision)
      throw new RolloutError(`${this.name} already runs revision ${target.revision}`);
    await this.setSpec(target.spec, target.extra, this.#replicas, 'undo');
    return target;
  }

  get spec(): ServiceSpec {
    return this.#spec;
  }

  get revision(): string {
    return this.#revision;
  }

  get desiredReplicas(): number {
    return this.#replicas;
  }

  /** The replicas that count (not the terminating ones). */
  replicas(): Replica[] {
    return this.#managed.map((m) => m.replica);
  }

  /** Changes the desired spec (a new template revision starts a rolling update); resolves after the pass. */
  setSpec(spec: ServiceSpec, extra = '', replicas: number = spec.replicas, cause = 'apply'): Promise<void> {
    this.#spec = spec;
    this.#extra = extra;
    const revision = templateRevision(spec, extra);
    const changed = revision !== this.#revision;
    this.#revision = revision;
    this.#replicas = replicas;
    if (changed) this.#remember(cause);
    return this.kick();
  }

  /** Changes the desired replica count; resolves once removed replicas are gone. */
  async setReplicas(count: number): Promise<void> {
    this.#replicas = count;
    await this.kick();
    await Promise.all([...this.#terminating.values()].map((t) => t.done));
  }

  /** Starts the periodic passes and runs the first one. */
  start(): Promise<void> {
    const tick = () => {
      if (this.#stopped) return;
      void this.kick();
      this.#timer = this.#o.clock.after(RECONCILE_PERIOD_MS, tick);
    };
    this.#timer = this.#o.clock.after(RECONCILE_PERIOD_MS, tick);
    return this.kick();
  }

  /** Runs a pass now (or right after the one running); resolves when the state has been acted on. */
  kick(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#pass;
    }
    this.#pass = this.#run();
    return this.#pass;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      do {
        this.#again = false;
        this.#reconcileOnce();
        // Let replica events of this pass arrive before deciding again.
        await Promise.resolve();
      } while (this.#again && !this.#stopped);
    } finally {
      this.#running = false;
    }
  }

  #reconcileOnce(): void {
    if (this.#stopped) return;
    // Paused mid-update: nothing is replaced until `resume` (a paused Deployment does the same).
    if (this.#paused && this.#managed.some((m) => m.revision !== this.#revision)) return;
    const bounds = rolloutBounds(this.#spec, this.#replicas);
    const plan = planRollout(
      { ...bounds, revision: this.#revision },
      this.#managed.map((m) => ({
        name: m.replica.name,
        ordinal: m.ordinal,
        revision: m.revision,
        ready: m.replica.ready,
      })),
    );
    for (const name of plan.remove) {
      const index = this.#managed.findIndex((m) => m.replica.name === name);
      const [removed] = index < 0 ? [] : this.#managed.splice(index, 1);
      if (removed === undefined) continue;
      const done = removed.replica.stop().finally(() => {
        this.#terminating.delete(removed.replica);
        void this.kick();
      });
      this.#terminating.set(removed.replica, { ordinal: removed.ordinal, done });
    }
    const taken = new Set([
      ...this.#managed.map((m) => m.ordinal),
      ...[...this.#terminating.values()].map((t) => t.ordinal),
    ]);
    for (let made = 0, ordinal = 1; made < plan.create; ordinal++) {
      if (taken.has(ordinal)) continue;
      const replica = this.#o.makeReplica(ordinal, this.#spec, this.#revision);
      this.#managed.push({ replica, ordinal, revision: this.#revision });
      taken.add(ordinal);
      replica.start();
      made++;
    }
    const outdated = this.#managed.some((m) => m.revision !== this.#revision);
    const stuck =
      outdated && plan.create === 0 && plan.remove.length === 0 ? impossibleRollout(bounds) : undefined;
    if (stuck !== undefined && stuck !== this.#blocked) this.#o.onBlocked?.(stuck);
    this.#blocked = stuck;
  }

  /** Resolves once every replica counted now is ready (or never, if one never becomes ready). */
  whenReady(): Promise<void> {
    return Promise.all(this.#managed.map((m) => m.replica.whenReady())).then(() => undefined);
  }

  /** Status of the service and its replicas (the terminating ones included, as `stopping`). */
  status(exposed: string | null): ServiceStatus {
    const counted = this.#managed.map((m) => ({ ...m.replica.status(), revision: m.revision }));
    const leaving = [...this.#terminating.keys()].map((r) => r.status());
    return {
      name: this.name,
      desiredReplicas: this.#replicas,
      readyReplicas: counted.filter((r) => r.ready).length,
      exposed,
      replicas: [...counted, ...leaving],
      revision: this.#revision,
      updatedReplicas: counted.filter((r) => r.revision === this.#revision).length,
    };
  }

  /** Stops reconciling and stops every replica (drain, SIGTERM, SIGKILL after grace). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#pass.catch(() => undefined);
    // The replicas stay listed (as stopped), so a status after stop still shows what ran.
    const all = this.#managed.map((m) => m.replica.stop({ drain: false }));
    await Promise.all([...all, ...[...this.#terminating.values()].map((t) => t.done)]);
  }

  /** Last-resort synchronous kill of every process (the runtime itself is exiting). */
  killNow(): void {
    for (const m of this.#managed) m.replica.killNow();
    for (const r of this.#terminating.keys()) r.killNow();
  }
}
