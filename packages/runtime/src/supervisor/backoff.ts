/** Settings of the restart back-off (Kubernetes CrashLoopBackOff defaults: 10 s doubling to 5 min, reset after 10 min). */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A replica that ran this long without exiting starts over with an immediate restart. */
  resetAfterMs: number;
}

/**
 * Restart back-off with the kubelet's behaviour: the first restart after a crash is immediate, the next ones
 * wait `initial`, `2 × initial`, … up to `max`; a run longer than `resetAfter` resets the sequence.
 */
export class RestartBackoff {
  readonly #options: BackoffOptions;
  #failures = 0;

  constructor(options: BackoffOptions) {
    const { initialMs, maxMs, resetAfterMs } = options;
    // Written so that NaN fails too: a NaN or infinite delay would become a 1 ms timer, a tight restart loop.
    if (!(Number.isFinite(maxMs) && initialMs > 0 && maxMs >= initialMs)) {
      throw new Error('back-off needs 0 < initial ≤ max');
    }
    if (!(resetAfterMs > 0)) throw new Error('back-off needs resetAfter > 0');
    this.#options = options;
  }

  /** Records an exit of a run that lasted `ranForMs`; returns how long to wait before the next start. */
  onExit(ranForMs: number): number {
    if (ranForMs >= this.#options.resetAfterMs) this.#failures = 0;
    this.#failures++;
    if (this.#failures === 1) return 0;
    const exponent = Math.min(this.#failures - 2, 30);
    return Math.min(this.#options.initialMs * 2 ** exponent, this.#options.maxMs);
  }

  /** Consecutive exits counted since the last reset. */
  get failures(): number {
    return this.#failures;
  }
}
