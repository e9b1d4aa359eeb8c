import type { Endpoint } from '@opsloop/contracts';

/** Picks endpoints for successive requests. */
export interface Balancer {
  /** An endpoint of `endpoints` not in `exclude` (instances already tried), or undefined if none is left. */
  pick(endpoints: readonly Endpoint[], exclude?: ReadonlySet<string>): Endpoint | undefined;
}

/** Round-robin over the current endpoint list; skips excluded instances (e.g. ones a retry already tried). */
export function createRoundRobin(): Balancer {
  let next = 0;
  return {
    pick(endpoints, exclude) {
      const count = endpoints.length;
      for (let i = 0; i < count; i++) {
        const candidate = endpoints[(next + i) % count];
        if (candidate !== undefined && !exclude?.has(candidate.instance)) {
          next = (next + i + 1) % count;
          return candidate;
        }
      }
      return undefined;
    },
  };
}
