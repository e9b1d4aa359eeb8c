import type { FaultRegistry } from './fault-registry.js';

// Kept on globalThis, not in a module variable: the kit may be loaded twice in one process (its sources by
// its own tests, its build by the packages that reach the points), and both must see the same faults.
const CURRENT = Symbol.for('@opsloop/kit.faults.current');
const slots = globalThis as unknown as Record<symbol, FaultRegistry | undefined>;

/** The registry of this process's faults (set by `createService` when the fault endpoint is on), if any. */
export function currentFaultRegistry(): FaultRegistry | undefined {
  return slots[CURRENT];
}

/** Makes `registry` the process's fault registry (undefined: none); returns the previous one. */
export function setCurrentFaultRegistry(registry: FaultRegistry | undefined): FaultRegistry | undefined {
  const previous = slots[CURRENT];
  slots[CURRENT] = registry;
  return previous;
}

/**
 * The fault of one call at `point` (`http`, `rpc`, `db`, `dependency:<service>`, `bus-consumer`,
 * `payment-provider`, or a service's own): undefined when no fault is active there, which costs one map
 * lookup and allocates nothing, so it sits on hot paths:
 *
 *     const fault = faultPoint('db');
 *     if (fault !== undefined) await fault;
 *
 * Otherwise a promise that waits the injected stall and latency, then rejects with a `FaultInjectedError`
 * if an `errors` fault picked this call.
 */
export function faultPoint(point: string): Promise<void> | undefined {
  const registry = slots[CURRENT];
  return registry === undefined ? undefined : registry.point(point);
}

/** Whether a fault is active at `point` (synchronous; no draw is made). */
export function faultActive(point: string): boolean {
  return slots[CURRENT]?.active(point) ?? false;
}
