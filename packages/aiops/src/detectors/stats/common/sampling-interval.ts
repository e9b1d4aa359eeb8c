/**
 * The series' typical sampling interval, learned online as a frugal (sign-step) median of the positive
 * timestamp differences: gaps and irregular sampling move it little, and it costs O(1) per point.
 */

export interface SamplingIntervalState {
  lastMs: number;
  seen: number;
  intervalMs: number;
}

/** Relative step of the frugal median: converges within a few dozen points, ignores rare gaps. */
const RATE = 0.05;

export class SamplingInterval {
  constructor(private readonly s: SamplingIntervalState) {}

  static empty(): SamplingInterval {
    return new SamplingInterval({ lastMs: 0, seen: 0, intervalMs: 0 });
  }

  /** Records a timestamp; returns the elapsed time since the previous one (0 for the first). */
  observe(timestampMs: number): number {
    const s = this.s;
    const elapsed = s.seen > 0 ? Math.max(0, timestampMs - s.lastMs) : 0;
    if (s.seen > 0 && elapsed > 0) {
      if (s.intervalMs === 0) s.intervalMs = elapsed;
      else s.intervalMs *= elapsed > s.intervalMs ? 1 + RATE : elapsed < s.intervalMs ? 1 - RATE : 1;
    }
    s.lastMs = Math.max(s.lastMs, timestampMs);
    s.seen = Math.min(s.seen + 1, 1e9);
    return elapsed;
  }

  /** Typical interval in ms, 0 while unknown. */
  intervalMs(): number {
    return this.s.intervalMs;
  }

  /** Elapsed time expressed in typical steps (1 while the interval is unknown), capped to bound trend jumps. */
  steps(elapsedMs: number, cap: number): number {
    if (this.s.intervalMs <= 0 || elapsedMs <= 0) return 1;
    return Math.min(cap, Math.max(0, elapsedMs / this.s.intervalMs));
  }

  state(): SamplingIntervalState {
    return { ...this.s };
  }
}
