import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type TimerHandle } from '@opsloop/kit';
import { ChaosApplyError, ChaosInputError, ChaosTargetError, UnknownInjectionError } from './chaos-errors.js';
import type { ChaosPlatform, PlatformUndo, ReplicaFaultRequest } from './chaos-platform.js';
import { errorText } from './error-text.js';
import { FAULTS, faultByName } from './fault-catalogue.js';
import type { FaultDefinition } from './fault-definition.js';
import { checkFaultDuration } from './fault-duration.js';
import { parseFaultParams, type RawParamValue } from './fault-params.js';
import type { ChaosEvent, Injection } from './injection.js';
import { createRecordFile, type RecordFile } from './record-file.js';
import { settleBounded } from './settle-bounded.js';

/** What {@link createChaosManager} needs. */
export interface ChaosManagerOptions {
  /** The running shop (the runtime's adapter). */
  platform: ChaosPlatform;
  /** Times injections; the system clock by default. */
  clock?: Clock;
  /** Every start and end is appended here as a JSON line (`{event, injection}`); no file by default. */
  recordFile?: string;
  /** Called for every start, end and after-the-fact error (the runtime's audit log); must not throw. */
  onEvent?: (event: ChaosEvent) => void;
  /** Most replica calls in flight at once; 8 by default. */
  concurrency?: number;
  /** The catalogue; {@link FAULTS} by default. */
  faults?: readonly FaultDefinition[];
  /** How many finished injections `list()` keeps; 200 by default. */
  keepFinished?: number;
}

/** One `opsloop chaos inject`. */
export interface InjectRequest {
  /** A catalogue name. */
  fault: string;
  /** The service. */
  target: string;
  /** Only this replica of the target (then a service-scope fault is not re-applied to new replicas). */
  replica?: string;
  /** Raw params (`--param` text or JSON values); defaults fill the rest. */
  params?: Readonly<Record<string, RawParamValue>>;
  /** ms; 0 = until cleared; the fault's default when absent. */
  durationMs?: number;
}

/** Applies faults through the platform, ends them on time, and keeps the record of every injection. */
export interface ChaosManager {
  /**
   * Validates and applies a fault; resolves with the injection once it is applied (some replicas may have
   * failed: see `errors`). Endpoint faults go to the target's ready replicas (or the named one); a replica-scope
   * fault needs at least one, a service-scope fault waits for them (see `replicaReady`). Throws ChaosInputError (fault, params, duration), ChaosTargetError (service, replica,
   * dependency) or ChaosApplyError (it reached nothing; the failed injection is recorded).
   */
  inject(request: InjectRequest): Promise<Injection>;
  /** Ends an injection now (status 'cleared'); a finished one is returned as it is. Throws UnknownInjectionError. */
  clear(id: string): Promise<Injection>;
  /** Clears every active injection. */
  clearAll(): Promise<Injection[]>;
  /** Active and recently finished injections, oldest first. */
  list(): Injection[];
  /** One injection, if known. */
  get(id: string): Injection | undefined;
  /**
   * The runtime calls this when a new replica process of `service` becomes ready (a start or a restart, not a
   * readiness flap): active service-scope faults are sent to it. Never throws; failures go to `onEvent`.
   */
  replicaReady(service: string, replica: string): Promise<void>;
  /** Clears everything active and waits for the record; later injections are refused. For runtime stop. */
  stop(): Promise<void>;
  /** Resolves once every record line so far is written. */
  flush(): Promise<void>;
}

interface Entry {
  readonly injection: Injection;
  readonly definition: FaultDefinition;
  /** The replica endpoint faults (with ids), empty for runtime faults. */
  readonly requests: readonly (ReplicaFaultRequest & { id: string })[];
  /** Re-sent to new replicas of the target while active. */
  readonly sticky: boolean;
  /** Every replica a send was attempted to (all are sent a DELETE at the end). */
  readonly attempted: Set<string>;
  /** Sends in flight, so a replica that turns ready during the first apply is not sent twice at once. */
  readonly sending: Set<string>;
  applying?: Promise<unknown>;
  timer?: TimerHandle;
  undo?: PlatformUndo;
  ending?: Promise<Injection>;
}

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_KEEP_FINISHED = 200;

/** Creates a {@link ChaosManager}. */
export function createChaosManager(options: ChaosManagerOptions): ChaosManager {
  return new InjectionManager(options);
}

function copy(injection: Injection): Injection {
  return {
    ...injection,
    params: { ...injection.params },
    replicas: [...injection.replicas],
    ...(injection.errors ? { errors: [...injection.errors] } : {}),
  };
}

function slug(point: string | undefined, index: number): string {
  return point === undefined ? String(index + 1) : point.replace(/[^a-z0-9]+/gi, '-');
}

class InjectionManager implements ChaosManager {
  readonly #platform: ChaosPlatform;
  readonly #clock: Clock;
  readonly #onEvent: ((event: ChaosEvent) => void) | undefined;
  readonly #record: RecordFile | undefined;
  readonly #concurrency: number;
  readonly #faults: readonly FaultDefinition[];
  readonly #keepFinished: number;
  readonly #entries = new Map<string, Entry>();
  /** Injections per `fault/target`, for a bad release's version number. */
  readonly #sequence = new Map<string, number>();
  #stopped = false;

  constructor(options: ChaosManagerOptions) {
    this.#platform = options.platform;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent;
    this.#record = options.recordFile !== undefined ? createRecordFile(options.recordFile) : undefined;
    this.#concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#faults = options.faults ?? FAULTS;
    this.#keepFinished = Math.max(0, options.keepFinished ?? DEFAULT_KEEP_FINISHED);
  }

  async inject(request: InjectRequest): Promise<Injection> {
    if (this.#stopped) throw new ChaosInputError('the chaos manager is stopped');
    const definition = faultByName(request.fault, this.#faults);
    const params = parseFaultParams(definition, request.params ?? {});
    if (definition.instant && request.durationMs !== undefined && request.durationMs !== 0) {
      throw new ChaosInputError(`${definition.name} happens at once: it takes no duration`);
    }
    const durationMs = checkFaultDuration(request.durationMs ?? definition.defaultDurationMs);
    const { target, replica } = request;
    const replicas = this.#platform.replicas(target);
    const { mechanism } = definition;
    if (replica !== undefined) {
      if (mechanism.type === 'runtime' && !mechanism.acceptsReplica) {
        throw new ChaosInputError(`${definition.name} applies to a whole service: it takes no replica`);
      }
      if (!replicas.some((r) => r.name === replica)) {
        const known = replicas.length > 0 ? replicas.map((r) => r.name).join(', ') : 'none';
        throw new ChaosTargetError(`${replica} is not a replica of ${target} (its replicas: ${known})`);
      }
    }
    definition.validate?.({ platform: this.#platform, target, params });

    const now = this.#clock.now();
    const injection: Injection = {
      id: this.#newId(),
      fault: definition.name,
      target,
      ...(replica !== undefined ? { replica } : {}),
      params,
      durationMs,
      startedAt: now,
      ...(durationMs > 0 ? { endsAt: now + durationMs } : {}),
      status: 'active',
      replicas: [],
    };
    const requests =
      mechanism.type === 'replica-endpoint'
        ? mechanism.requests(params).map((spec, i, all) => ({
            ...spec,
            id: all.length === 1 ? injection.id : `${injection.id}-${slug(spec.point, i)}`,
          }))
        : [];
    const entry: Entry = {
      injection,
      definition,
      requests,
      sticky:
        mechanism.type === 'replica-endpoint' && definition.scope === 'service' && replica === undefined,
      attempted: new Set(),
      sending: new Set(),
    };

    let endpointTargets: string[] = [];
    if (mechanism.type === 'replica-endpoint') {
      if (replica !== undefined) {
        if (!replicas.some((r) => r.name === replica && r.ready)) {
          throw new ChaosTargetError(`${replica} is not ready`);
        }
        endpointTargets = [replica];
      } else {
        endpointTargets = replicas.filter((r) => r.ready).map((r) => r.name);
        // A service-scope fault waits for replicas; a replica-scope one has nothing to live in.
        if (endpointTargets.length === 0 && !entry.sticky) {
          throw new ChaosTargetError(`${target} has no ready replicas`);
        }
      }
    }

    // Registered before applying, so a replica that turns ready meanwhile gets a sticky fault too.
    this.#entries.set(injection.id, entry);
    const applying =
      mechanism.type === 'replica-endpoint'
        ? this.#sendToAll(entry, endpointTargets)
        : this.#applyRuntime(entry, mechanism, params, durationMs);
    entry.applying = applying.catch(() => undefined);
    try {
      await applying;
    } catch (error) {
      if (error instanceof ChaosTargetError || error instanceof ChaosInputError) {
        this.#entries.delete(injection.id);
        throw error;
      }
      injection.errors = [...(injection.errors ?? []), errorText(error)];
    }

    if (injection.replicas.length === 0 && injection.errors !== undefined && injection.errors.length > 0) {
      injection.status = 'failed';
      injection.endedAt = this.#clock.now();
      delete injection.endsAt;
      await this.#emit({ event: 'end', injection: copy(injection) });
      this.#prune();
      throw new ChaosApplyError(
        `${definition.name} on ${replica ?? target} failed: ${injection.errors.join('; ')}`,
        copy(injection),
      );
    }

    if (definition.instant) {
      const started = copy(injection);
      injection.status = 'ended';
      injection.endedAt = this.#clock.now();
      await this.#emit({ event: 'start', injection: started });
      await this.#emit({ event: 'end', injection: copy(injection) });
      this.#prune();
      return copy(injection);
    }

    await this.#emit({ event: 'start', injection: copy(injection) });
    if (this.#stopped) return this.#end(entry, 'cleared');
    // A clear() that came in while applying has already ended it.
    if (injection.endsAt !== undefined && entry.ending === undefined) {
      entry.timer = this.#clock.after(Math.max(0, injection.endsAt - this.#clock.now()), () => {
        // A timer callback has nobody to throw to: #end reports its own failures through onEvent.
        void this.#end(entry, 'ended');
      });
    }
    return copy(injection);
  }

  async clear(id: string): Promise<Injection> {
    const entry = this.#entries.get(id);
    if (entry === undefined) throw new UnknownInjectionError(`no injection ${id}`);
    return this.#end(entry, 'cleared');
  }

  async clearAll(): Promise<Injection[]> {
    const active = [...this.#entries.values()].filter((e) => e.injection.status === 'active');
    return Promise.all(active.map((entry) => this.#end(entry, 'cleared')));
  }

  list(): Injection[] {
    return [...this.#entries.values()].map((entry) => copy(entry.injection));
  }

  get(id: string): Injection | undefined {
    const entry = this.#entries.get(id);
    return entry && copy(entry.injection);
  }

  async replicaReady(service: string, replica: string): Promise<void> {
    const due = [...this.#entries.values()].filter(
      (e) =>
        e.sticky &&
        e.injection.target === service &&
        e.injection.status === 'active' &&
        e.ending === undefined &&
        !e.sending.has(replica),
    );
    await Promise.all(
      due.map(async (entry) => {
        const failure = await this.#sendTo(entry, replica);
        if (failure !== undefined) {
          await this.#emit({ event: 'error', injection: copy(entry.injection), error: failure });
        }
      }),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.clearAll();
    await this.flush();
  }

  async flush(): Promise<void> {
    await this.#record?.flush();
  }

  #newId(): string {
    for (;;) {
      const id = `inj-${randomBytes(4).toString('hex')}`;
      if (!this.#entries.has(id)) return id;
    }
  }

  /** Sends the entry's faults to each replica, bounded; records who got them and what failed. */
  async #sendToAll(entry: Entry, replicas: readonly string[]): Promise<void> {
    const failures = await settleBounded(replicas, this.#concurrency, (name) => this.#sendTo(entry, name));
    const errors = failures.flatMap((f) =>
      f.status === 'fulfilled' && f.value !== undefined ? [f.value] : [],
    );
    if (errors.length > 0) entry.injection.errors = [...(entry.injection.errors ?? []), ...errors];
  }

  /** Sends every request of the entry to one replica; resolves with an error line if any failed. */
  async #sendTo(entry: Entry, replica: string): Promise<string | undefined> {
    const { injection } = entry;
    let remaining: number | undefined;
    if (injection.endsAt !== undefined) {
      remaining = injection.endsAt - this.#clock.now();
      if (remaining <= 0) return undefined;
    }
    entry.sending.add(replica);
    entry.attempted.add(replica);
    const errors: string[] = [];
    try {
      for (const request of entry.requests) {
        try {
          await this.#platform.sendFault(replica, {
            ...request,
            params: { ...request.params },
            ...(remaining !== undefined ? { durationMs: remaining } : {}),
          });
          if (!injection.replicas.includes(replica)) injection.replicas.push(replica);
        } catch (error) {
          errors.push(errorText(error));
        }
      }
    } finally {
      entry.sending.delete(replica);
    }
    return errors.length > 0 ? `${replica}: ${errors.join('; ')}` : undefined;
  }

  async #applyRuntime(
    entry: Entry,
    mechanism: Extract<FaultDefinition['mechanism'], { type: 'runtime' }>,
    params: Injection['params'],
    durationMs: number,
  ): Promise<void> {
    const { injection } = entry;
    const key = `${injection.fault}/${injection.target}`;
    const sequence = (this.#sequence.get(key) ?? 0) + 1;
    this.#sequence.set(key, sequence);
    const outcome = await mechanism.apply({
      platform: this.#platform,
      target: injection.target,
      replica: injection.replica,
      params,
      durationMs,
      sequence,
    });
    if (outcome.undo) entry.undo = outcome.undo;
    if (outcome.replicas) injection.replicas.push(...outcome.replicas);
    if (outcome.errors && outcome.errors.length > 0) {
      injection.errors = [...(injection.errors ?? []), ...outcome.errors];
    }
  }

  /** Ends an injection once (later calls get the same result); never rejects. */
  #end(entry: Entry, status: 'ended' | 'cleared'): Promise<Injection> {
    if (entry.injection.status !== 'active') return Promise.resolve(copy(entry.injection));
    entry.ending ??= this.#finish(entry, status);
    return entry.ending;
  }

  async #finish(entry: Entry, status: 'ended' | 'cleared'): Promise<Injection> {
    const { injection } = entry;
    entry.timer?.cancel();
    await entry.applying;
    // Applying may have failed meanwhile: a failed injection has nothing to end.
    if (injection.status !== 'active') return copy(injection);
    const errors: string[] = [];
    if (entry.attempted.size > 0) {
      let present: Set<string>;
      try {
        present = new Set(this.#platform.replicas(injection.target).map((r) => r.name));
      } catch {
        // The service is gone, and its replicas with it: nothing left to clear.
        present = new Set();
      }
      const pairs = [...entry.attempted]
        .filter((name) => present.has(name))
        .flatMap((name) => entry.requests.map((request) => ({ name, id: request.id })));
      const results = await settleBounded(pairs, this.#concurrency, ({ name, id }) =>
        this.#platform.clearFault(name, id),
      );
      results.forEach((result, i) => {
        if (result.status === 'rejected') errors.push(`clear ${pairs[i]!.name}: ${errorText(result.reason)}`);
      });
    }
    if (entry.undo) {
      try {
        await entry.undo();
      } catch (error) {
        errors.push(`undo: ${errorText(error)}`);
      }
    }
    // The manager is the record of truth: the injection is over even if a replica kept the fault (the replica's
    // own expiry is the backstop for those).
    injection.status = status;
    injection.endedAt = this.#clock.now();
    if (errors.length > 0) {
      injection.errors = [...(injection.errors ?? []), ...errors];
      await this.#emit({ event: 'error', injection: copy(injection), error: errors.join('; ') });
    }
    await this.#emit({ event: 'end', injection: copy(injection) });
    this.#prune();
    return copy(injection);
  }

  /** Tells onEvent and appends to the record file (never rejects). */
  async #emit(event: ChaosEvent): Promise<void> {
    this.#notify(event);
    if (this.#record === undefined) return;
    try {
      await this.#record.append(event);
    } catch (error) {
      this.#notify({ event: 'error', error: `chaos record file: ${errorText(error)}` });
    }
  }

  #notify(event: ChaosEvent): void {
    try {
      this.#onEvent?.(event);
    } catch {
      // A listener's failure must not end an injection half-way.
    }
  }

  /** Drops the oldest finished injections beyond `keepFinished`. */
  #prune(): void {
    const finished = [...this.#entries.values()].filter((e) => e.injection.status !== 'active');
    for (const entry of finished.slice(0, Math.max(0, finished.length - this.#keepFinished))) {
      this.#entries.delete(entry.injection.id);
    }
  }
}
