import { candidatesOf, leaseOf, type LoadBalancer } from './load-balancer.js';
import type { Balancer } from './round-robin.js';
import { createSmoothWeightedSelector } from './smooth-weighted.js';

/**
 * Smooth weighted round-robin (nginx's algorithm) over `endpoint.weight` (absent: `DEFAULT_WEIGHT`; 0: no
 * new requests). With equal weights it is plain round-robin in list order. State is kept per instance, so
 * endpoints coming and going between calls do not disturb the others' turns, and departed ones are
 * forgotten. Usable as a `Balancer` (`pick`) or a `LoadBalancer` (`acquire`; outcomes are not used).
 */
export function createWeightedRoundRobin(): Balancer & LoadBalancer {
  const selector = createSmoothWeightedSelector();
  const pick: Balancer['pick'] = (endpoints, exclude) =>
    selector.next(candidatesOf(endpoints, exclude), endpoints);
  return {
    pick,
    acquire(endpoints, exclude) {
      const endpoint = pick(endpoints, exclude);
      return endpoint === undefined ? undefined : leaseOf(endpoint, () => {});
    },
  };
}
