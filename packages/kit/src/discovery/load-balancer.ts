import type { Endpoint } from '@opsloop/contracts';

/**
 * How a request sent to an endpoint ended, as the caller saw it. Only `failure` counts against the endpoint
 * (connect error, reset, timeout, HTTP 5xx, gRPC UNAVAILABLE and friends); `ignored` says nothing about it
 * (the caller cancelled, or the request never left).
 */
export type RequestOutcome = 'success' | 'failure' | 'ignored';

/** One request in flight on a chosen endpoint; release it exactly once when the request has ended. */
export interface Lease {
  readonly endpoint: Endpoint;
  /** Ends the request; later calls are ignored, so a `finally` may release again safely. */
  release(outcome: RequestOutcome): void;
}

/**
 * Picks an endpoint for each request and learns from how requests end. Unlike a plain `Balancer`, it tracks
 * requests in flight (least-request) and their outcomes (outlier ejection), hence the lease.
 */
export interface LoadBalancer {
  /**
   * Chooses an endpoint of `endpoints` not in `exclude` (instances a retry already tried) and starts a request
   * on it; undefined if none is left.
   */
  acquire(endpoints: readonly Endpoint[], exclude?: ReadonlySet<string>): Lease | undefined;
}

/**
 * The weight of an endpoint without one. Weights are relative: 100 is one ordinary replica's share, so a
 * registry can express a split such as canary 10 / stable 90 without touching replicas it leaves alone.
 */
export const DEFAULT_WEIGHT = 100;

/** The endpoint's weight, {@link DEFAULT_WEIGHT} when absent; never negative. */
export function weightOf(endpoint: Endpoint): number {
  const weight = endpoint.weight ?? DEFAULT_WEIGHT;
  return Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/** An endpoint that may take the next request, with the weight it competes with (always > 0). */
export interface Candidate {
  readonly endpoint: Endpoint;
  readonly weight: number;
}

/**
 * The endpoints that may take new requests: not excluded and with a weight above 0. When every endpoint of
 * the list has weight 0 they all stay eligible with equal shares: a rollout that zeroed every replica is a
 * mistake, and answering 503 for the whole service would turn it into an outage.
 */
export function candidatesOf(endpoints: readonly Endpoint[], exclude?: ReadonlySet<string>): Candidate[] {
  const candidates: Candidate[] = [];
  let allZero = true;
  for (const endpoint of endpoints) {
    const weight = weightOf(endpoint);
    if (weight > 0) allZero = false;
    if (weight > 0 && exclude?.has(endpoint.instance) !== true) candidates.push({ endpoint, weight });
  }
  if (!allZero) return candidates;
  return endpoints
    .filter((e) => exclude?.has(e.instance) !== true)
    .map((endpoint) => ({ endpoint, weight: 1 }));
}

/** A lease whose release runs `onRelease` once. */
export function leaseOf(endpoint: Endpoint, onRelease: (outcome: RequestOutcome) => void): Lease {
  let released = false;
  return {
    endpoint,
    release(outcome) {
      if (released) return;
      released = true;
      onRelease(outcome);
    },
  };
}

/** Bad load-balancing settings; `field` names the offending one (e.g. `outlierDetection.maxEjectionPercent`). */
export class LoadBalancingConfigError extends Error {
  override readonly name = 'LoadBalancingConfigError';
  /** The offending option or environment variable. */
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
  }
}
