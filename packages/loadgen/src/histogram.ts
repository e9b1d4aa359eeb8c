/**
 * A log-linear latency histogram (the HdrHistogram layout, written small): values are recorded in integer
 * microseconds; below 2·S µs every microsecond has its own bucket, above it every power-of-two range is split
 * into S linear sub-buckets. With S = 128 a reported percentile is within 1/256 (0.4 %) of the exact
 * recorded value, at a fixed cost of a few thousand counters whatever the number of samples.
 */

/** log2 of the sub-buckets per power of two. */
const SUB_BITS = 7;
const SUB = 2 ** SUB_BITS;
/** Largest recordable value in µs (2^50 µs ≈ 35 years); larger values are clamped. */
const MAX_MICROS = 2 ** 50;

/** Relative accuracy of {@link LatencyHistogram.percentile}: |reported − exact| ≤ exact × this (+ 1 µs). */
export const HISTOGRAM_RELATIVE_ERROR = 1 / (2 * SUB);

/** Index of the most significant bit of a positive integer below 2^53. */
function msbOf(value: number): number {
  const high = Math.floor(value / 2 ** 32);
  return high > 0 ? 63 - Math.clz32(high) : 31 - Math.clz32(value >>> 0);
}

function bucketOf(micros: number): number {
  if (micros < 2 * SUB) return micros;
  const shift = msbOf(micros) - SUB_BITS;
  return (shift + 1) * SUB + (Math.floor(micros / 2 ** shift) - SUB);
}

/** The lowest value of a bucket and its width, in µs. */
function boundsOf(bucket: number): { lower: number; width: number } {
  if (bucket < 2 * SUB) return { lower: bucket, width: 1 };
  const shift = Math.floor(bucket / SUB) - 1;
  return { lower: ((bucket % SUB) + SUB) * 2 ** shift, width: 2 ** shift };
}

/**
 * The nearest-rank of percentile `p` among `count` values (1-based): the smallest rank whose share of the
 * values is at least p %. The tiny epsilon keeps float noise (7.000000000000001) from moving a rank.
 */
export function percentileRank(p: number, count: number): number {
  return Math.min(count, Math.max(1, Math.ceil((p * count) / 100 - 1e-9)));
}

/** A summary of a histogram, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A latency histogram; see the module comment for its accuracy. */
export class LatencyHistogram {
  #counts: number[] = [];
  #count = 0;
  #sumMicros = 0;
  #minMicros = Number.POSITIVE_INFINITY;
  #maxMicros = 0;

  /** Number of recorded values. */
  get count(): number {
    return this.#count;
  }

  /** Records one value in milliseconds (negative and non-finite values count as 0). */
  record(ms: number): void {
    const micros = Number.isFinite(ms) && ms > 0 ? Math.min(MAX_MICROS, Math.round(ms * 1000)) : 0;
    const bucket = bucketOf(micros);
    while (this.#counts.length <= bucket) this.#counts.push(0);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#count++;
    this.#sumMicros += micros;
    if (micros < this.#minMicros) this.#minMicros = micros;
    if (micros > this.#maxMicros) this.#maxMicros = micros;
  }

  /** Adds every value of `other` to this histogram. */
  merge(other: LatencyHistogram): void {
    other.#counts.forEach((n, bucket) => {
      if (n === 0) return;
      while (this.#counts.length <= bucket) this.#counts.push(0);
      this.#counts[bucket] = (this.#counts[bucket] ?? 0) + n;
    });
    this.#count += other.#count;
    this.#sumMicros += other.#sumMicros;
    this.#minMicros = Math.min(this.#minMicros, other.#minMicros);
    this.#maxMicros = Math.max(this.#maxMicros, other.#maxMicros);
  }

  /** Smallest recorded value in ms (exact to the µs); NaN when empty. */
  get min(): number {
    return this.#count === 0 ? Number.NaN : this.#minMicros / 1000;
  }

  /** Largest recorded value in ms (exact to the µs); NaN when empty. */
  get max(): number {
    return this.#count === 0 ? Number.NaN : this.#maxMicros / 1000;
  }

  /** Mean in ms; NaN when empty. */
  get mean(): number {
    return this.#count === 0 ? Number.NaN : this.#sumMicros / this.#count / 1000;
  }

  /**
   * The value at percentile `p` (0–100, nearest rank) in ms: the middle of the bucket holding that rank,
   * clamped to the recorded min and max. NaN when empty.
   */
  percentile(p: number): number {
    if (this.#count === 0) return Number.NaN;
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be 0-100, got ${p}`);
    const rank = percentileRank(p, this.#count);
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket] ?? 0;
      if (seen >= rank) {
        const { lower, width } = boundsOf(bucket);
        const middle = lower + (width - 1) / 2;
        return Math.min(this.#maxMicros, Math.max(this.#minMicros, middle)) / 1000;
      }
    }
    return this.#maxMicros / 1000;
  }

  /** count, min, mean, p50, p90, p99 and max in ms (NaN when empty). */
  summary(): LatencySummary {
    return {
      count: this.#count,
      min: this.min,
      mean: this.mean,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.max,
    };
  }
}
