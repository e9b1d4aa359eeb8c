import type { Endpoint } from '@opsloop/contracts';
import { weightOf, type Candidate } from './load-balancer.js';

/** The selection step of nginx's smooth weighted round-robin, with its state kept per instance. */
export interface SmoothWeightedSelector {
  /**
   * Picks one of `candidates` (undefined if there are none). `present` is the whole current endpoint list,
   * candidates or not: the state of instances missing from it is dropped.
   */
  next(candidates: readonly Candidate[], present: readonly Endpoint[]): Endpoint | undefined;
  /** The current weights by instance (for tests). */
  state(): ReadonlyMap<string, number>;
}

/**
 * Creates a selector implementing nginx's smooth weighted round-robin: every candidate's current weight grows
 * by its weight, the largest wins (the first in list order on a tie) and gives back the total of the
 * candidates. Over a cycle of Σweights picks each endpoint is chosen exactly `weight` times, spread out
 * rather than in runs (5/1/1 gives a a b a c a a, not a a a a a b c).
 *
 * State is keyed by instance, so a list that changes order or gains/loses members keeps everyone's place.
 * Excluded or zero-weight endpoints neither gain nor lose. The current weights always sum to zero; with a
 * fixed list, every window of Σweights picks holds each endpoint exactly `weight` times. After the list
 * changes the balances are renormalised (see `renormalise`), so the split stays within a pick or two of
 * exact over any whole number of cycles and is exact again per cycle after a few.
 */
export function createSmoothWeightedSelector(): SmoothWeightedSelector {
  const current = new Map<string, number>();

  let lastTotal = 0;

  /**
   * Brings the state in line with a changed list (members or weights): drops departed instances, clamps the
   * others to [-total, total] and scales the side in excess so the balances sum to zero again. Without it, a
   * departed member's balance or a shrunken total leaves the others far outside the range one cycle keeps
   * them in, and the split takes several cycles to become exact again.
   */
  const renormalise = (present: readonly Endpoint[], total: number): void => {
    const here = new Set(present.map((e) => e.instance));
    for (const instance of current.keys()) if (!here.has(instance)) current.delete(instance);
    let positive = 0;
    let negative = 0;
    for (const [instance, value] of current) {
      const clamped = Math.min(Math.max(value, -total), total);
      current.set(instance, clamped);
      if (clamped > 0) positive += clamped;
      else negative -= clamped;
    }
    if (positive === negative) return;
    const [side, factor] = positive > negative ? [1, negative / positive] : [-1, positive / negative];
    for (const [instance, value] of current)
      if (Math.sign(value) === side) current.set(instance, value * factor);
  };

  const changed = (present: readonly Endpoint[], total: number): boolean => {
    if (total !== lastTotal || present.length !== current.size) return true;
    for (const endpoint of present) if (!current.has(endpoint.instance)) return true;
    return false;
  };

  return {
    next(candidates, present) {
      let listTotal = 0;
      for (const endpoint of present) listTotal += weightOf(endpoint);
      if (changed(present, listTotal)) {
        renormalise(present, listTotal);
        lastTotal = listTotal;
        for (const endpoint of present)
          if (!current.has(endpoint.instance)) current.set(endpoint.instance, 0);
      }
      let total = 0;
      for (const candidate of candidates) total += candidate.weight;
      let best: Candidate | undefined;
      let bestValue = -Infinity;
      for (const candidate of candidates) {
        const value = (current.get(candidate.endpoint.instance) ?? 0) + candidate.weight;
        current.set(candidate.endpoint.instance, value);
        if (value > bestValue) {
          best = candidate;
          bestValue = value;
        }
      }
      if (best === undefined) return undefined;
      current.set(best.endpoint.instance, bestValue - total);
      return best.endpoint;
    },
    state: () => current,
  };
}
