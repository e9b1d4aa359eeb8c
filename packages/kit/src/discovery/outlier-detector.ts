import type { Endpoint } from '@opsloop/contracts';
import type { Clock } from '../clock.js';
import {
  leaseOf,
  LoadBalancingConfigError,
  type LoadBalancer,
  type RequestOutcome,
} from './load-balancer.js';

/** An ejection, as told to {@link OutlierDetectorOptions.onEject}. */
export interface EjectionEvent {
  instance: string;
  /** How long the endpoint is out. */
  durationMs: number;
  /** Its ejection count after decay, this one included (the multiplier of `baseEjectionMs`). */
  times: number;
}

/** Options of {@link createOutlierDetector}; defaults are Envoy's. */
export interface OutlierDetectorOptions {
  clock: Clock;
  /** Failures in a row that eject an endpoint; default 5. */
  consecutiveFailures?: number;
  /** Ejection time of a first ejection; the n-th (after decay) lasts n times as long. Default 30 000 ms. */
  baseEjectionMs?: number;
  /** Cap on one ejection's duration; default 300 000 ms. */
  maxEjectionMs?: number;
  /** Most endpoints of the list ejected at once, in percent (floor); default 50. */
  maxEjectionPercent?: number;
  /** Every this long out of ejection, an endpoint's ejection count drops by one; default 10 000 ms. */
  decayIntervalMs?: number;
  /** Called when an endpoint is ejected (metrics, logs). */
  onEject?(event: EjectionEvent): void;
  /** Called when an ejected endpoint's time is up and it takes requests again. */
  onReturn?(instance: string): void;
}

/** Tracks consecutive failures per endpoint and ejects outliers for a while. A state machine over a clock. */
export interface OutlierDetector {
  /**
   * Takes `endpoints` as the current list (state of instances not in it is dropped) and returns those not
   * ejected, in order. Call it before each pick: returns are noticed here.
   */
  available(endpoints: readonly Endpoint[]): readonly Endpoint[];
  /** Records how a request to `instance` ended; ignored for instances not in the current list. */
  report(instance: string, outcome: RequestOutcome): void;
  /** Whether `instance` is ejected right now. */
  isEjected(instance: string): boolean;
  /** The instances ejected right now. */
  ejected(): string[];
}

interface State {
  failures: number;
  /** Ejections so far, before decay. */
  times: number;
  /** When the current ejection ends; undefined when not ejected. */
  until: number | undefined;
  /** Since when `times` decays (the end of the last ejection). */
  since: number;
}

/** A positive option or its default; a clear error naming it otherwise. */
function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved <= 0) {
    throw new LoadBalancingConfigError(
      `outlierDetection.${name}`,
      `expected a number > 0 (got ${String(value)})`,
    );
  }
  return resolved;
}

/**
 * Creates an outlier detector like Envoy's consecutive-5xx detection: `consecutiveFailures` failures in a row
 * (a success resets the count; `ignored` changes nothing) eject the endpoint for `baseEjectionMs × times`
 * (capped at `maxEjectionMs`), where `times` counts its ejections and decays by one every `decayIntervalMs`
 * it spends back in service. At most `maxEjectionPercent` of the current list is out at once: a failure
 * past the threshold that would exceed it leaves the endpoint in, and the next failure tries again. An
 * ejected endpoint comes back by itself when its time is up, with a clean failure count.
 */
export function createOutlierDetector(options: OutlierDetectorOptions): OutlierDetector {
  const { clock } = options;
  const threshold = Math.ceil(positive('consecutiveFailures', options.consecutiveFailures, 5));
  const baseMs = positive('baseEjectionMs', options.baseEjectionMs, 30_000);
  const maxMs = Math.max(baseMs, positive('maxEjectionMs', options.maxEjectionMs, 300_000));
  const decayMs = positive('decayIntervalMs', options.decayIntervalMs, 10_000);
  const maxPercent = options.maxEjectionPercent ?? 50;
  if (!(maxPercent >= 0 && maxPercent <= 100)) {
    throw new LoadBalancingConfigError(
      'outlierDetection.maxEjectionPercent',
      `expected a percentage 0-100 (got ${String(maxPercent)})`,
    );
  }
  const states = new Map<string, State>();
  let listSize = 0;

  /** Ends `state`'s ejection if its time is up; true while it is still ejected. */
  const stillEjected = (instance: string, state: State, now: number): boolean => {
    if (state.until === undefined) return false;
    if (now < state.until) return true;
    state.since = state.until;
    state.until = undefined;
    state.failures = 0;
    options.onReturn?.(instance);
    return false;
  };

  const ejectedCount = (now: number): number => {
    let count = 0;
    for (const [instance, state] of states) if (stillEjected(instance, state, now)) count++;
    return count;
  };

  const eject = (instance: string, state: State, now: number): void => {
    if ((ejectedCount(now) + 1) * 100 > maxPercent * listSize) return;
    const decayed = Math.max(0, state.times - Math.floor((now - state.since) / decayMs));
    state.times = decayed + 1;
    const durationMs = Math.min(baseMs * state.times, maxMs);
    state.until = now + durationMs;
    state.failures = 0;
    options.onEject?.({ instance, durationMs, times: state.times });
  };

  return {
    available(endpoints) {
      const now = clock.now();
      listSize = endpoints.length;
      if (states.size > 0) {
        const here = new Set<string>();
        for (const endpoint of endpoints) here.add(endpoint.instance);
        for (const instance of states.keys()) if (!here.has(instance)) states.delete(instance);
      }
      for (const endpoint of endpoints) {
        if (!states.has(endpoint.instance))
          states.set(endpoint.instance, { failures: 0, times: 0, until: undefined, since: now });
      }
      return endpoints.filter((e) => !stillEjected(e.instance, states.get(e.instance)!, now));
    },
    report(instance, outcome) {
      const state = states.get(instance);
      if (state === undefined || outcome === 'ignored') return;
      const now = clock.now();
      // Stragglers that were in flight when the endpoint was ejected say nothing new.
      if (stillEjected(instance, state, now)) return;
      if (outcome === 'success') {
        state.failures = 0;
        return;
      }
      if (++state.failures >= threshold) eject(instance, state, now);
    },
    isEjected(instance) {
      const state = states.get(instance);
      return state !== undefined && stillEjected(instance, state, clock.now());
    },
    ejected() {
      const now = clock.now();
      return [...states].filter(([instance, state]) => stillEjected(instance, state, now)).map(([i]) => i);
    },
  };
}

/** Hooks of {@link withOutlierEjection}. */
export interface OutlierEjectionHooks {
  /** Called when every endpoint of the list is ejected and all of them are used anyway. */
  onPanic?(endpoints: readonly Endpoint[]): void;
}

/**
 * Wraps `balancer` so that ejected endpoints are not picked and every released outcome reaches `detector`.
 * Panic mode: when every endpoint is ejected (the list shrank under the ejected ones, or
 * `maxEjectionPercent` is 100) the balancer picks among all of them, as Envoy's panic threshold does — a
 * degraded replica beats answering 503 for the whole service.
 */
export function withOutlierEjection(
  balancer: LoadBalancer,
  detector: OutlierDetector,
  hooks: OutlierEjectionHooks = {},
): LoadBalancer {
  return {
    acquire(endpoints, exclude) {
      const healthy = detector.available(endpoints);
      let pool = healthy;
      if (healthy.length === 0 && endpoints.length > 0) {
        hooks.onPanic?.(endpoints);
        pool = endpoints;
      }
      const lease = balancer.acquire(pool, exclude);
      if (lease === undefined) return undefined;
      const instance = lease.endpoint.instance;
      return leaseOf(lease.endpoint, (outcome) => {
        lease.release(outcome);
        detector.report(instance, outcome);
      });
    },
  };
}
