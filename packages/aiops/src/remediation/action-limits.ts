import { z } from 'zod';
import { RemediationOptionsError, RemediationSnapshotError } from './remediation-errors.js';

/** Blast-radius limits of the engine. */
export interface ActionLimitsOptions {
  /** Actions on one service in any sliding hour (3 by default). */
  maxActionsPerHourPerService?: number;
  /** Actions in flight (executing or verifying) on one service: always 1. */
  maxConcurrentPerService?: 1;
  /** Actions in flight across all services (2 by default). */
  globalMaxConcurrent?: number;
}

/** The counters that must survive a restart: when each service was last acted on. */
export interface ActionLimitsSnapshot {
  readonly version: 1;
  /** Per service, the times (ms) of its actions within the last hour. */
  readonly actions: Readonly<Record<string, readonly number[]>>;
}

const HOUR_MS = 3_600_000;

const snapshotSchema = z.object({
  version: z.literal(1),
  actions: z.record(z.string(), z.array(z.number().refine(Number.isFinite, 'must be a finite number'))),
});

/**
 * Counts actions per service over a sliding hour and holds the in-flight locks: never more than N actions an
 * hour on a service, never two at once on one service, never more than M at once overall.
 */
export class ActionLimits {
  readonly #perHour: number;
  readonly #globalMax: number;
  readonly #times = new Map<string, number[]>();
  readonly #inFlight = new Set<string>();

  constructor(options: ActionLimitsOptions = {}) {
    this.#perHour = options.maxActionsPerHourPerService ?? 3;
    this.#globalMax = options.globalMaxConcurrent ?? 2;
    if (!Number.isInteger(this.#perHour) || this.#perHour < 1) {
      throw new RemediationOptionsError(
        `maxActionsPerHourPerService must be a positive integer, got ${this.#perHour}`,
      );
    }
    if (!Number.isInteger(this.#globalMax) || this.#globalMax < 1) {
      throw new RemediationOptionsError(
        `globalMaxConcurrent must be a positive integer, got ${this.#globalMax}`,
      );
    }
    if (options.maxConcurrentPerService !== undefined && options.maxConcurrentPerService !== 1) {
      throw new RemediationOptionsError('maxConcurrentPerService is fixed at 1');
    }
  }

  /** Why an action on `service` may not start now, or null when it may. */
  refusal(service: string, nowMs: number): string | null {
    if (this.#inFlight.has(service)) return `an action on ${service} is already in flight`;
    if (this.#inFlight.size >= this.#globalMax) {
      return `${this.#inFlight.size} actions in flight (global limit ${this.#globalMax})`;
    }
    const recent = this.#recent(service, nowMs);
    if (recent.length >= this.#perHour) {
      const freeAt = new Date(recent[0]! + HOUR_MS).toISOString();
      return `${recent.length} actions on ${service} in the last hour (limit ${this.#perHour}; next allowed at ${freeAt})`;
    }
    return null;
  }

  /** Takes the service's lock and counts the action (call only after `refusal` returned null). */
  begin(service: string, nowMs: number): void {
    this.#inFlight.add(service);
    this.#times.set(service, [...this.#recent(service, nowMs), nowMs]);
  }

  /** Releases the service's lock (the action is verified, undone, failed or cancelled). */
  end(service: string): void {
    this.#inFlight.delete(service);
  }

  /** Services with an action in flight. */
  inFlight(): string[] {
    return [...this.#inFlight];
  }

  snapshot(nowMs: number): ActionLimitsSnapshot {
    const actions: Record<string, number[]> = {};
    for (const service of [...this.#times.keys()].sort()) {
      const recent = this.#recent(service, nowMs);
      if (recent.length > 0) actions[service] = recent;
    }
    return { version: 1, actions };
  }

  /** Replaces the counters with a snapshot's (locks are not part of it: in-flight actions end with the process). */
  restore(snapshot: unknown): void {
    const parsed = snapshotSchema.safeParse(snapshot);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RemediationSnapshotError(
        `bad remediation snapshot: ${issue?.path.join('.') || 'snapshot'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    this.#times.clear();
    for (const [service, times] of Object.entries(parsed.data.actions)) {
      this.#times.set(
        service,
        [...times].sort((a, b) => a - b),
      );
    }
  }

  #recent(service: string, nowMs: number): number[] {
    return (this.#times.get(service) ?? []).filter((t) => t > nowMs - HOUR_MS);
  }
}
