import type { Endpoint } from '@opsloop/contracts';
import { candidatesOf, leaseOf, type Candidate, type LoadBalancer } from './load-balancer.js';
import { createSmoothWeightedSelector } from './smooth-weighted.js';

/** Options of {@link createLeastOutstanding}. */
export interface LeastOutstandingOptions {
  /** Source of the power-of-two-choices samples, in [0, 1); Math.random by default. */
  random?: () => number;
}

/** A least-request balancer; `outstanding` exposes its counts for tests and metrics. */
export interface LeastOutstandingBalancer extends LoadBalancer {
  /** Requests acquired on `instance` and not yet released. */
  outstanding(instance: string): number;
}

/**
 * Least outstanding requests, as Envoy's LEAST_REQUEST balancer does it:
 *
 * - equal weights, at most two candidates: the one with fewer requests in flight; ties go round-robin, so
 *   an idle service still alternates;
 * - equal weights, more candidates: power of two choices — two distinct random candidates, the one with
 *   fewer in flight (the first drawn on a tie). It avoids herding every client onto the same least-loaded
 *   replica and costs O(1);
 * - unequal weights (a canary split): smooth weighted round-robin over `weight / (active + 1)`, Envoy's
 *   formula with its default active-request bias of 1, so the split holds when idle and load shifts away
 *   from a replica that falls behind.
 *
 * The caller must release every lease it acquires, or the replica looks busier forever.
 */
export function createLeastOutstanding(options: LeastOutstandingOptions = {}): LeastOutstandingBalancer {
  const random = options.random ?? Math.random;
  const active = new Map<string, number>();
  const weighted = createSmoothWeightedSelector();
  let turn = 0;

  const load = (endpoint: Endpoint) => active.get(endpoint.instance) ?? 0;

  /** An index in [0, n) from the random source, safe against sources that return 1 or garbage. */
  const draw = (n: number): number => {
    const index = Math.floor(random() * n);
    return Number.isFinite(index) ? Math.min(Math.max(index, 0), n - 1) : 0;
  };

  const scan = (candidates: readonly Candidate[]): Endpoint => {
    const start = turn++ % candidates.length;
    let best = candidates[start]!.endpoint;
    for (let i = 1; i < candidates.length; i++) {
      const candidate = candidates[(start + i) % candidates.length]!.endpoint;
      if (load(candidate) < load(best)) best = candidate;
    }
    return best;
  };

  const twoChoices = (candidates: readonly Candidate[]): Endpoint => {
    const first = draw(candidates.length);
    let second = draw(candidates.length - 1);
    if (second >= first) second++;
    const a = candidates[first]!.endpoint;
    const b = candidates[second]!.endpoint;
    return load(b) < load(a) ? b : a;
  };

  const choose = (endpoints: readonly Endpoint[], candidates: readonly Candidate[]): Endpoint => {
    const weight = candidates[0]!.weight;
    if (candidates.some((c) => c.weight !== weight)) {
      const effective = candidates.map((c) => ({
        endpoint: c.endpoint,
        weight: c.weight / (load(c.endpoint) + 1),
      }));
      return weighted.next(effective, endpoints)!;
    }
    return candidates.length <= 2 ? scan(candidates) : twoChoices(candidates);
  };

  return {
    acquire(endpoints, exclude) {
      const candidates = candidatesOf(endpoints, exclude);
      if (candidates.length === 0) return undefined;
      const endpoint = choose(endpoints, candidates);
      const instance = endpoint.instance;
      active.set(instance, (active.get(instance) ?? 0) + 1);
      return leaseOf(endpoint, () => {
        const left = (active.get(instance) ?? 1) - 1;
        // Dropping zeroes keeps the map to replicas with work in flight, so departed ones are forgotten.
        if (left > 0) active.set(instance, left);
        else active.delete(instance);
      });
    },
    outstanding: (instance) => active.get(instance) ?? 0,
  };
}
