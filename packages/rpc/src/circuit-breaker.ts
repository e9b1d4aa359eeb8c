import type { Clock } from '@opsloop/kit';

/** The breaker's state: closed (calls flow), open (calls fail fast), half-open (one trial call flows). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** How a call that went through the breaker ended. */
export type CallOutcome =
  /** The upstream answered (any status that is not a sign of ill health, e.g. OK or NOT_FOUND). */
  | 'success'
  /** A sign of an unhealthy upstream: UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN. */
  | 'failure'
  /** Says nothing about the upstream (the caller cancelled). */
  | 'ignored';

/** Permission for one call; report its outcome exactly once. */
export interface Permit {
  report(outcome: CallOutcome): void;
}

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; default 5. */
  failureThreshold?: number;
  /** How long the breaker stays open before a trial call; default 5000 ms. */
  openMs?: number;
  clock: Clock;
  /** Called on every change of state. */
  onStateChange?: (state: CircuitState) => void;
}

/** A circuit breaker: a pure state machine over an injected clock. */
export interface CircuitBreaker {
  /** A permit for a call now, or undefined if the call must fail fast. */
  acquire(): Permit | undefined;
  state(): CircuitState;
}

/**
 * Creates a consecutive-failures circuit breaker. Closed: every call flows; `failureThreshold` failures in a
 * row open it. Open: calls are refused until `openMs` passed. Half-open: the first call is the trial and
 * others are refused; its success closes the breaker, its failure opens it again for `openMs`. Outcomes of
 * calls that started in an earlier state are ignored, so stragglers cannot flip the state.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const threshold = Math.max(1, options.failureThreshold ?? 5);
  const openMs = Math.max(0, options.openMs ?? 5000);
  const { clock } = options;
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let trialInFlight = false;
  // Bumped on every transition: a permit from an older generation reports into the void.
  let generation = 0;

  const moveTo = (next: CircuitState) => {
    if (next === state) return;
    state = next;
    generation++;
    failures = 0;
    trialInFlight = false;
    if (next === 'open') openedAt = clock.now();
    options.onStateChange?.(next);
  };

  const permit = (trial: boolean): Permit => {
    const issuedIn = generation;
    let reported = false;
    return {
      report(outcome) {
        if (reported || issuedIn !== generation) return;
        reported = true;
        if (trial) {
          if (outcome === 'success') moveTo('closed');
          else if (outcome === 'failure') moveTo('open');
          else trialInFlight = false; // a cancelled trial lets the next call try
          return;
        }
        if (outcome === 'success') failures = 0;
        else if (outcome === 'failure' && ++failures >= threshold) moveTo('open');
      },
    };
  };

  return {
    acquire() {
      if (state === 'open') {
        if (clock.now() - openedAt < openMs) return undefined;
        moveTo('half-open');
      }
      if (state === 'half-open') {
        if (trialInFlight) return undefined;
        trialInFlight = true;
        return permit(true);
      }
      return permit(false);
    },
    state() {
      if (state === 'open' && clock.now() - openedAt >= openMs) return 'half-open';
      return state;
    },
  };
}
