import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { startCpuBurn } from './cpu-burn.js';
import { failureOf, FaultInjectedError } from './fault-injected-error.js';
import type { ActiveFault, FaultSpec, LastingFaultSpec } from './fault-spec.js';
import { startHang } from './hang.js';
import { sampleLatency } from './latency-distribution.js';
import { startMemoryLeak } from './memory-leak.js';
import { FaultSpecError, parseFaultSpec } from './parse-fault-spec.js';
import type { ProcessEffect, ProcessEffectContext, ProcessEffects } from './process-effect.js';

/** Why a fault left the registry. */
export type FaultRemovalReason = 'deleted' | 'expired' | 'replaced' | 'cleared';

/** A change of the registry, for logs and metrics. */
export type FaultEvent =
  { type: 'added'; fault: ActiveFault } | { type: 'removed'; fault: ActiveFault; reason: FaultRemovalReason };

/** Options of {@link createFaultRegistry}. */
export interface FaultRegistryOptions {
  /** Expiry, latency timers and process-fault slices; the system clock by default. */
  clock?: Clock;
  /** Ratios and latency draws, uniform in [0, 1); `Math.random` by default (tests: `createSeededRandom`). */
  random?: () => number;
  /** The process faults' effects; the real ones by default (tests may replace them). */
  effects?: Partial<ProcessEffects>;
}

/** The faults in force in this process. */
export interface FaultRegistry {
  /**
   * Validates and adds a fault (a new id is generated when the spec has none); the same id again replaces
   * the fault. Process faults (hang, cpu, memory) start at once. Throws {@link FaultSpecError} for an invalid
   * spec or a `crash` (not a lasting fault: the fault endpoint performs it).
   */
  add(spec: FaultSpec | LastingFaultSpec): ActiveFault;
  /** Removes a fault, ending its effect and releasing calls stalled by it; false if there is none. */
  remove(id: string): boolean;
  /** Removes every fault; resolves to how many there were. */
  clear(): number;
  /** The faults in force, oldest first (expired ones are dropped first). */
  list(): ActiveFault[];
  /** The fault `id` if in force. */
  get(id: string): ActiveFault | undefined;
  /**
   * What a call at `point` must suffer: undefined when nothing (no promise, no allocation), otherwise a
   * promise that waits while a `stall` lasts, then the drawn latency, then rejects with a
   * {@link FaultInjectedError} if an `errors` fault picked this call.
   */
  point(point: string): Promise<void> | undefined;
  /** Whether any fault is in force at `point` (whatever this call's draw would be). */
  active(point: string): boolean;
  /** Hears every change; returns the unsubscribe function. Listener errors are swallowed. */
  subscribe(listener: (event: FaultEvent) => void): () => void;
  /** Removes every fault (reason `cleared`) and forgets the listeners. */
  close(): void;
}

interface Entry {
  readonly fault: ActiveFault;
  readonly spec: LastingFaultSpec;
  readonly expiresAt: number | undefined;
  timer: TimerHandle | undefined;
  effect: ProcessEffect | undefined;
  /** Resolvers of the calls a `stall` holds. */
  stalled: (() => void)[] | undefined;
}

const DEFAULT_EFFECTS: ProcessEffects = { hang: startHang, cpu: startCpuBurn, memory: startMemoryLeak };

/** A UUIDv7 (RFC 9562): time-ordered, so generated fault ids sort by creation. */
function uuidv7(now: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.after(ms, resolve));
}

/** Creates a fault registry (one per process; see `setCurrentFaultRegistry`). */
export function createFaultRegistry(options: FaultRegistryOptions = {}): FaultRegistry {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const effects: ProcessEffects = { ...DEFAULT_EFFECTS, ...options.effects };
  const byId = new Map<string, Entry>();
  // The hot path's only lookup: the point faults by point. Process faults are not in it.
  const byPoint = new Map<string, Entry[]>();
  const listeners = new Set<(event: FaultEvent) => void>();

  const emit = (event: FaultEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A failing log or metric must not fail the fault operation.
      }
    }
  };

  const isExpired = (entry: Entry, now = clock.now()) =>
    entry.expiresAt !== undefined && now >= entry.expiresAt;

  const removeEntry = (entry: Entry, reason: FaultRemovalReason) => {
    if (byId.get(entry.fault.id) !== entry) return;
    byId.delete(entry.fault.id);
    const atPoint = byPoint.get(entry.fault.point);
    if (atPoint !== undefined) {
      const rest = atPoint.filter((other) => other !== entry);
      if (rest.length === 0) byPoint.delete(entry.fault.point);
      else byPoint.set(entry.fault.point, rest);
    }
    entry.timer?.cancel();
    entry.effect?.stop();
    for (const release of entry.stalled ?? []) release();
    entry.stalled = undefined;
    emit({ type: 'removed', fault: entry.fault, reason });
  };

  const dropExpired = () => {
    const now = clock.now();
    for (const entry of [...byId.values()]) if (isExpired(entry, now)) removeEntry(entry, 'expired');
  };

  const startEffect = (entry: Entry): ProcessEffect | undefined => {
    const context: ProcessEffectContext = { clock, expired: () => isExpired(entry) };
    const { spec } = entry;
    switch (spec.kind) {
      case 'hang':
        return effects.hang(spec.params, context);
      case 'cpu':
        return effects.cpu(spec.params, context);
      case 'memory':
        return effects.memory(spec.params, context);
      default:
        return undefined;
    }
  };

  /** Resolves when `entry` leaves the registry (removed or expired). */
  const untilRemoved = (entry: Entry): Promise<void> => {
    if (byId.get(entry.fault.id) !== entry) return Promise.resolve();
    return new Promise((resolve) => (entry.stalled ??= []).push(resolve));
  };

  const registry: FaultRegistry = {
    add(input) {
      const spec = parseFaultSpec(input);
      if (spec.kind === 'crash')
        throw new FaultSpecError([
          { path: 'kind', message: 'crash is not a lasting fault: the fault endpoint performs it' },
        ]);
      const now = clock.now();
      const id = spec.id ?? uuidv7(now);
      const expiresAt = spec.durationMs === undefined ? undefined : now + spec.durationMs;
      const fault: ActiveFault = {
        id,
        kind: spec.kind,
        point: spec.point,
        params: { ...spec.params },
        startedAt: new Date(now).toISOString(),
        ...(expiresAt === undefined ? {} : { expiresAt: new Date(expiresAt).toISOString() }),
      };
      const previous = byId.get(id);
      if (previous !== undefined) removeEntry(previous, 'replaced');
      const entry: Entry = {
        fault,
        spec,
        expiresAt,
        timer: undefined,
        effect: undefined,
        stalled: undefined,
      };
      byId.set(id, entry);
      if (spec.kind === 'latency' || spec.kind === 'errors' || spec.kind === 'stall')
        byPoint.set(spec.point, [...(byPoint.get(spec.point) ?? []), entry]);
      if (expiresAt !== undefined)
        entry.timer = clock.after(expiresAt - now, () => removeEntry(entry, 'expired'));
      emit({ type: 'added', fault });
      entry.effect = startEffect(entry);
      return fault;
    },
    remove(id) {
      const entry = byId.get(id);
      if (entry === undefined) return false;
      const expired = isExpired(entry);
      removeEntry(entry, expired ? 'expired' : 'deleted');
      return !expired;
    },
    clear() {
      dropExpired();
      const entries = [...byId.values()];
      for (const entry of entries) removeEntry(entry, 'cleared');
      return entries.length;
    },
    list() {
      dropExpired();
      return [...byId.values()].map((entry) => entry.fault);
    },
    get(id) {
      const entry = byId.get(id);
      if (entry === undefined) return undefined;
      if (!isExpired(entry)) return entry.fault;
      removeEntry(entry, 'expired');
      return undefined;
    },
    point(point) {
      const entries = byPoint.get(point);
      if (entries === undefined) return undefined;
      const now = clock.now();
      let stall: Entry | undefined;
      let delayMs = 0;
      let failure: FaultInjectedError | undefined;
      let expired: Entry[] | undefined;
      for (const entry of entries) {
        if (isExpired(entry, now)) {
          (expired ??= []).push(entry);
          continue;
        }
        const { spec } = entry;
        switch (spec.kind) {
          case 'stall':
            stall ??= entry;
            break;
          case 'latency':
            if (spec.params.ratio >= 1 || random() < spec.params.ratio)
              delayMs += sampleLatency(spec.params, random);
            break;
          case 'errors':
            if (failure === undefined && random() < spec.params.ratio)
              failure = new FaultInjectedError({
                point,
                faultId: entry.fault.id,
                ...failureOf(point, spec.params),
              });
            break;
          default:
            break;
        }
      }
      for (const entry of expired ?? []) removeEntry(entry, 'expired');
      if (stall === undefined && delayMs <= 0)
        return failure === undefined ? undefined : Promise.reject(failure);
      const held = stall;
      return (async () => {
        if (held !== undefined) await untilRemoved(held);
        if (delayMs > 0) await sleep(clock, delayMs);
        if (failure !== undefined) throw failure;
      })();
    },
    active(point) {
      const entries = byPoint.get(point);
      if (entries === undefined) return false;
      const now = clock.now();
      return entries.some((entry) => !isExpired(entry, now));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      for (const entry of [...byId.values()]) removeEntry(entry, 'cleared');
      listeners.clear();
    },
  };
  return registry;
}
