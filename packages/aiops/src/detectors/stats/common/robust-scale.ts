/**
 * Streaming robust location and scale (median and MAD approximations) in O(1) memory and time: an exact
 * median/MAD over the first few values, then frugal stochastic-approximation updates. A single outlier
 * moves either estimate by at most one small step, unlike a mean or an exponentially weighted variance.
 */

export interface RobustScaleState {
  warm: number[];
  median: number;
  mad: number;
}

/** Values kept for the exact start-up estimate. */
const WARM_UP = 24;
/** Relative step sizes of the frugal updates (≈ 1/rate points of memory). */
const MEDIAN_RATE = 0.05;
const MAD_RATE = 0.02;

export class RobustScale {
  constructor(private readonly s: RobustScaleState) {}

  static empty(): RobustScale {
    return new RobustScale({ warm: [], median: 0, mad: 0 });
  }

  /** Whether the start-up sample is complete. */
  ready(): boolean {
    return this.s.warm.length >= WARM_UP;
  }

  median(): number {
    return this.s.median;
  }

  /** MAD scaled to a Gaussian standard deviation, floored at `floor`. */
  sigma(floor: number): number {
    return Math.max(floor, 1.4826 * this.s.mad);
  }

  observe(value: number, floor: number): void {
    const s = this.s;
    if (s.warm.length < WARM_UP) {
      s.warm.push(value);
      s.median = medianOf(s.warm);
      s.mad = medianOf(s.warm.map((v) => Math.abs(v - s.median)));
      return;
    }
    const step = Math.max(s.mad, floor);
    s.median += MEDIAN_RATE * step * Math.sign(value - s.median);
    const deviation = Math.abs(value - s.median);
    s.mad = Math.max(0, s.mad + MAD_RATE * step * Math.sign(deviation - s.mad));
  }

  state(): RobustScaleState {
    return { warm: [...this.s.warm], median: this.s.median, mad: this.s.mad };
  }
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
