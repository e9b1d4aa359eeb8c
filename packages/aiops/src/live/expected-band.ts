/**
 * What a live series was expected to be at a point: the median of the points before it and a robust band
 * (median ± k·σ̂, σ̂ from the median absolute deviation, at least a floor), for anomaly events to say
 * "0.41 s, expected 0.05 s (0.03–0.07)". Live detection also requires an anomalous point to be out of the
 * band: the detector says the point is unusual, the band that it matters. Bounded: the last `size` points.
 */

/** Expected value and band of a point, from the points before it. */
export interface Expectation {
  readonly expected: number;
  readonly low: number;
  readonly high: number;
}

/** The band's state as plain JSON (the recent values, oldest first). */
export interface ExpectedBandSnapshot {
  readonly values: readonly number[];
}

/** MAD → standard deviation of a normal distribution. */
const MAD_TO_SIGMA = 1.4826;

export interface ExpectedBandOptions {
  /** Points remembered (60 by default: 15 minutes at a 15 s step). */
  size?: number;
  /** Band half-width in robust standard deviations (3 by default). */
  k?: number;
  /**
   * Smallest half-width relative to the expected value (0.2 by default): a change of less than 20 % is not
   * worth anybody's attention, however steady the series was.
   */
  minRelative?: number;
  /** Smallest half-width in the series' unit (0 by default; a ratio of errors wants a floor). */
  minAbsolute?: number;
  /** The least value the series can take: the band's low end stops there (none by default). */
  lowerBound?: number;
}

/** A rolling median and MAD band over the last points of one series. */
export class ExpectedBand {
  private readonly size: number;
  private readonly k: number;
  private readonly minRelative: number;
  private readonly minAbsolute: number;
  private readonly lowerBound: number;
  private values: number[];

  constructor(options: ExpectedBandOptions = {}, snapshot?: ExpectedBandSnapshot) {
    this.size = options.size ?? 60;
    this.k = options.k ?? 3;
    this.minRelative = options.minRelative ?? 0.2;
    this.minAbsolute = options.minAbsolute ?? 0;
    this.lowerBound = options.lowerBound ?? -Infinity;
    this.values = snapshot ? snapshot.values.filter(Number.isFinite).slice(-this.size) : [];
  }

  /** The expectation from the points seen so far; undefined before the first. */
  expectation(): Expectation | undefined {
    if (this.values.length === 0) return undefined;
    const expected = median(this.values);
    const sigma = MAD_TO_SIGMA * median(this.values.map((v) => Math.abs(v - expected)));
    // A flat history still gets a band, so a tiny wobble is not out of band.
    const half = Math.max(this.k * sigma, Math.abs(expected) * this.minRelative, this.minAbsolute, 1e-12);
    return { expected, low: Math.max(expected - half, this.lowerBound), high: expected + half };
  }

  /** Whether `value` is outside the band of the points seen so far (never before the first point). */
  outside(value: number): boolean {
    const e = this.expectation();
    return e !== undefined && (value > e.high || value < e.low);
  }

  /** Remembers a point (non-finite values are ignored). */
  push(value: number): void {
    if (!Number.isFinite(value)) return;
    this.values.push(value);
    if (this.values.length > this.size) this.values.shift();
  }

  snapshot(): ExpectedBandSnapshot {
    return { values: [...this.values] };
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
