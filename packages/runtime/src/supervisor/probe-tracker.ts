/** Thresholds of a probe, as in Kubernetes. */
export interface ProbeThresholds {
  failureThreshold: number;
  successThreshold: number;
}

/**
 * Turns a stream of probe outcomes into a state: it flips to failing after `failureThreshold` consecutive
 * failures and back to passing after `successThreshold` consecutive successes.
 */
export class ProbeTracker {
  readonly #thresholds: ProbeThresholds;
  #passing: boolean;
  #successes = 0;
  #failures = 0;

  constructor(thresholds: ProbeThresholds, initiallyPassing: boolean) {
    this.#thresholds = thresholds;
    this.#passing = initiallyPassing;
  }

  /** Records one outcome; returns true if the state changed. */
  record(ok: boolean): boolean {
    if (ok) {
      this.#failures = 0;
      this.#successes++;
      if (!this.#passing && this.#successes >= this.#thresholds.successThreshold) {
        this.#passing = true;
        return true;
      }
    } else {
      this.#successes = 0;
      this.#failures++;
      if (this.#passing && this.#failures >= this.#thresholds.failureThreshold) {
        this.#passing = false;
        return true;
      }
    }
    return false;
  }

  get passing(): boolean {
    return this.#passing;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }
}
