import { createHash } from 'node:crypto';
import type { ServiceStatus } from '@opsloop/contracts';
import type { Clock, TimerHandle } from '@opsloop/kit';
import { rolloutBounds, type ServiceSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import type { TrafficSample } from '../analysis/traffic-sample.js';
import { impossibleRollout, planRollout } from './plan-rollout.js';
import {
  ProgressiveRollout,
  type ProgressEvent,
  type ProgressiveRolloutOptions,
  type ProgressStatus,
} from './progressive-rollout.js';

export type { ProgressStatus } from './progressive-rollout.js';

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
  /** Sets the traffic split of new requests between revisions (undefined: every ready replica equal). */
  split?(percentages: Record<string, number> | undefined): void;
  /** Sets the revision reachable through the service's preview name (blue-green), or none. */
  preview?(revision: string | undefined): void;
  /** Samples what each of these (ready) replicas served so far, by instance, for canary analysis. */
  measure?(replicas: Replica[]): Promise<Map<string, TrafficSample>>;
  /** Live detection's state of this service's series, for canary analysis by the detectors (see ProgressiveRolloutOptions). */
  baselineState?: ProgressiveRolloutOptions['baselineState'];
  /** Live detection's detector, threshold and warm-up, for canary analysis by the detectors. */
  detectors?: ProgressiveRolloutOptions['detectors'];
  /** Progress of blue-green and canary rollouts: steps, analyses, pauses. */
  onProgress?(event: ProgressEvent): void;
  /** A rollout ended: the new revision took all traffic, or was rolled back to `revision` (an abort). */
  onOutcome?(outcome: RolloutOutcome): void;
}

/** How the last blue-green or canary rollout of a service ended. */
export interface RolloutOutcome {
  result: 'promoted' | 'aborted';
  /** The revision that serves now. */
  revision: string;
  /** Promoted: the revision replaced; aborted: the revision rolled back. */
  other: string;
  at: string;
  reason?: string;
  /** The spec that serves now (after an abort, the stable one: the runtime's desired state follows). */
  spec: ServiceSpec;
}

/** Causes whose rollout skips steps and analysis: going back must be quick. */
const FAST_TRACK_CAUSES = new Set(['undo', 'rollback']);

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
  /** The revision that serves all traffic when no blue-green or canary rollout runs. */
  #stable!: RevisionRecord;
  #progress: ProgressiveRollout | undefined;
  /** A blue-green rollout's old revision, kept running (no traffic) for an instant undo until `until`. */
  #retained: { revision: string; until: number; timer: TimerHandle } | undefined;
  #outcome: RolloutOutcome | undefined;
  #appliedSplit = 'none';
  #appliedPreview: string | undefined;
  readonly #settleWaiters: { revision: string; resolve(result: 'complete' | 'aborted'): void }[] = [];

  constructor(options: ServiceControllerOptions) {
    this.#o = options;
    this.name = options.name;
    this.#spec = options.spec;
    this.#extra = options.extra ?? '';
    this.#revision = templateRevision(options.spec, options.extra);
    this.#replicas = options.spec.replicas;
    this.#remember('start');
    this.#stable = this.#history.at(-1)!;
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

  /** The revision serving all traffic outside a blue-green or canary rollout. */
  get stableRevision(): string {
    return this.#stable.revision;
  }

  /** The running blue-green or canary rollout, if any. */
  progress(): ProgressStatus | undefined {
    return this.#progress?.status();
  }

  /** How the last blue-green or canary rollout ended. */
  get outcome(): RolloutOutcome | undefined {
    return this.#outcome;
  }

  /**
   * `rollout promote`: the running canary goes to its next step (`full`: promotion) without waiting for its
   * analysis; a blue-green rollout switches traffic once its new replicas are ready.
   */
  async promote(full = false): Promise<void> {
    if (this.#progress === undefined)
      throw new RolloutError(`${this.name} has no blue-green or canary rollout to promote`);
    this.#paused = false;
    this.#progress.promote(full);
    await this.kick();
  }

  /** `rollout abort`: the running blue-green or canary rollout goes back to the stable revision. */
  async abort(reason = 'aborted by request'): Promise<void> {
    if (this.#progress === undefined && this.#revision === this.#stable.revision)
      throw new RolloutError(`${this.name} has no rollout in progress to abort`);
    this.#rollBack(reason);
    await this.kick();
  }

  /**
   * Resolves once the desired revision serves alone ('complete') or its rollout was rolled back
   * ('aborted'); a newer desired revision resolves it as 'aborted' too.
   */
  whenSettled(): Promise<'complete' | 'aborted'> {
    const revision = this.#revision;
    if (revision === this.#stable.revision && this.#onlyStable()) return Promise.resolve('complete');
    return new Promise((resolve) => this.#settleWaiters.push({ revision, resolve }));
  }

  #settle(): void {
    for (const waiter of [...this.#settleWaiters]) {
      const done =
        waiter.revision !== this.#revision
          ? 'aborted'
          : waiter.revision === this.#stable.revision && this.#onlyStable()
            ? 'complete'
            : undefined;
      if (done === undefined) continue;
      this.#settleWaiters.splice(this.#settleWaiters.indexOf(waiter), 1);
      waiter.resolve(done);
    }
  }

  /** Every counted replica runs the stable revision and is ready, at the desired count. */
  #onlyStable(): boolean {
    return (
      this.#managed.length === this.#replicas &&
      this.#managed.every((m) => m.revision === this.#stable.revision && m.replica.ready)
    );
  }

  #rollBack(reason: string): void {
    const from = this.#revision;
    const to = this.#stable;
    this.#progress?.cancel();
    this.#progress = undefined;
    this.#paused = false;
    this.#spec = to.spec;
    this.#extra = to.extra;
    this.#revision = to.revision;
    this.#remember('rollback');
    this.#stable = this.#history.at(-1)!;
    this.#outcome = {
      result: 'aborted',
      revision: to.revision,
      other: from,
      at: new Date(this.#o.clock.now()).toISOString(),
      reason,
      spec: to.spec,
    };
    this.#o.onOutcome?.(this.#outcome);
    this.#settle();
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

  /** What else the desired template depends on (see {@link templateRevision}). */
  get extra(): string {
    return this.#extra;
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
    this.#settle();
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
    const strategy = this.#spec.strategy;
    if (strategy.type !== 'RollingUpdate' && this.#revision !== this.#stable.revision) {
      this.#reconcileProgressive(strategy);
    } else {
      this.#progress?.cancel();
      this.#progress = undefined;
      this.#reconcileRolling(strategy.type !== 'RollingUpdate');
    }
    this.#settle();
  }

  /**
   * Rolling updates and plain scaling (Deployment semantics). Replicas of other revisions left by a
   * blue-green or canary rollout get no new requests and go, except a blue-green's retained old revision,
   * which stays until its scale-down delay ends.
   */
  #reconcileRolling(progressiveStrategy: boolean): void {
    const retained = this.#retained;
    if (
      retained !== undefined &&
      (retained.until <= this.#o.clock.now() || retained.revision === this.#revision)
    ) {
      retained.timer.cancel();
      this.#retained = undefined;
    }
    const kept = (m: Managed) => this.#retained !== undefined && m.revision === this.#retained.revision;
    const others = this.#managed.some((m) => m.revision !== this.#revision);
    // After a blue-green or canary switch the old revision must get nothing while it drains.
    this.#setTraffic(
      others && (progressiveStrategy || this.#retained !== undefined) ? { [this.#revision]: 100 } : undefined,
      undefined,
    );
    // Paused mid-update: nothing is replaced until `resume` (a paused Deployment does the same).
    if (this.#paused && this.#managed.some((m) => m.revision !== this.#revision && !kept(m))) return;
    const bounds = rolloutBounds(this.#spec, this.#replicas);
    const plan = planRollout(
      { ...bounds, revision: this.#revision },
      this.#managed
        .filter((m) => !kept(m))
        .map((m) => ({
          name: m.replica.name,
          ordinal: m.ordinal,
          revision: m.revision,
          ready: m.replica.ready,
        })),
    );
    for (const name of plan.remove) this.#removeReplica(name);
    this.#createReplicas(plan.create, this.#spec, this.#revision);
    const outdated = this.#managed.some((m) => m.revision !== this.#revision && !kept(m));
    const stuck =
      outdated && plan.create === 0 && plan.remove.length === 0 ? impossibleRollout(bounds) : undefined;
    if (stuck !== undefined && stuck !== this.#blocked) this.#o.onBlocked?.(stuck);
    this.#blocked = stuck;
    // A rolling update is done when every replica runs the new template and is ready: it is the stable one.
    const current = this.#history.at(-1);
    if (
      this.#revision !== this.#stable.revision &&
      current?.revision === this.#revision &&
      this.#managed.length === this.#replicas &&
      this.#managed.every((m) => m.revision === this.#revision && m.replica.ready)
    )
      this.#stable = current;
  }

  /** Blue-green and canary: the stable revision at full size, the new one as the rollout says. */
  #reconcileProgressive(strategy: Extract<ServiceSpec['strategy'], { type: 'BlueGreen' | 'Canary' }>): void {
    if (this.#retained !== undefined) {
      this.#retained.timer.cancel();
      this.#retained = undefined;
    }
    if (this.#progress?.newRevision !== this.#revision) {
      this.#progress?.cancel();
      const options = this.#o;
      this.#progress = new ProgressiveRollout({
        strategy,
        stableRevision: this.#stable.revision,
        newRevision: this.#revision,
        fastTrack: FAST_TRACK_CAUSES.has(this.#history.at(-1)?.cause ?? ''),
        clock: this.#o.clock,
        ...(options.measure === undefined
          ? {}
          : {
              measure: (revision: string) =>
                options.measure!(
                  this.#managed
                    .filter((m) => m.revision === revision && m.replica.ready)
                    .map((m) => m.replica),
                ),
            }),
        ...(options.baselineState === undefined ? {} : { baselineState: options.baselineState }),
        ...(options.detectors === undefined ? {} : { detectors: options.detectors }),
        report: (event) => this.#o.onProgress?.(event),
        kick: () => void this.kick(),
        abort: (reason) => {
          this.#rollBack(reason);
          void this.kick();
        },
        paused: () => this.#paused,
        pause: () => {
          this.#paused = true;
        },
      });
    }
    if (this.#paused) return;
    const stable = this.#stable;
    const next = this.#revision;
    const nextReady = this.#managed.filter((m) => m.revision === next && m.replica.ready).length;
    const plan = this.#progress.plan(this.#replicas, nextReady);
    if (plan.switchNow) {
      this.#setTraffic({ [next]: 100 }, undefined);
      this.#promoted(strategy);
      // The next pass (steady state) removes or retains the old replicas.
      this.#again = true;
      return;
    }
    this.#setTraffic(plan.split, plan.preview);
    // Revisions that are neither stable nor new (a superseded canary) got no traffic in the split just set.
    for (const m of [...this.#managed])
      if (m.revision !== stable.revision && m.revision !== next) this.#removeReplica(m.replica.name);
    this.#resize(stable.revision, plan.stable, stable.spec);
    this.#resize(next, plan.next, this.#spec);
  }

  #promoted(strategy: Extract<ServiceSpec['strategy'], { type: 'BlueGreen' | 'Canary' }>): void {
    const old = this.#stable;
    this.#progress?.cancel();
    this.#progress = undefined;
    this.#stable = this.#history.at(-1)!;
    const delay = strategy.type === 'BlueGreen' ? strategy.blueGreen.scaleDownDelaySeconds * 1000 : 0;
    if (delay > 0) {
      const until = this.#o.clock.now() + delay;
      this.#retained = {
        revision: old.revision,
        until,
        timer: this.#o.clock.after(delay, () => void this.kick()),
      };
    }
    this.#outcome = {
      result: 'promoted',
      revision: this.#stable.revision,
      other: old.revision,
      at: new Date(this.#o.clock.now()).toISOString(),
      spec: this.#stable.spec,
    };
    this.#o.onOutcome?.(this.#outcome);
  }

  /** Brings the replicas of `revision` to `count`: new ones from `spec`, extra ones unready first. */
  #resize(revision: string, count: number, spec: ServiceSpec): void {
    const of = this.#managed.filter((m) => m.revision === revision);
    if (of.length < count) this.#createReplicas(count - of.length, spec, revision);
    if (of.length > count) {
      const order = [...of].sort(
        (a, b) => Number(a.replica.ready) - Number(b.replica.ready) || b.ordinal - a.ordinal,
      );
      for (const m of order.slice(0, of.length - count)) this.#removeReplica(m.replica.name);
    }
  }

  #setTraffic(split: Record<string, number> | undefined, preview: string | undefined): void {
    const key = split === undefined ? 'none' : JSON.stringify(Object.entries(split).sort());
    if (key !== this.#appliedSplit) {
      this.#appliedSplit = key;
      this.#o.split?.(split);
    }
    if (preview !== this.#appliedPreview) {
      this.#appliedPreview = preview;
      this.#o.preview?.(preview);
    }
  }

  #removeReplica(name: string): void {
    const index = this.#managed.findIndex((m) => m.replica.name === name);
    const [removed] = index < 0 ? [] : this.#managed.splice(index, 1);
    if (removed === undefined) return;
    const done = removed.replica.stop().finally(() => {
      this.#terminating.delete(removed.replica);
      void this.kick();
    });
    this.#terminating.set(removed.replica, { ordinal: removed.ordinal, done });
  }

  #createReplicas(count: number, spec: ServiceSpec, revision: string): void {
    const taken = new Set([
      ...this.#managed.map((m) => m.ordinal),
      ...[...this.#terminating.values()].map((t) => t.ordinal),
    ]);
    for (let made = 0, ordinal = 1; made < count; ordinal++) {
      if (taken.has(ordinal)) continue;
      const replica = this.#o.makeReplica(ordinal, spec, revision);
      this.#managed.push({ replica, ordinal, revision });
      taken.add(ordinal);
      replica.start();
      made++;
    }
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
    this.#progress?.cancel();
    this.#retained?.timer.cancel();
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
