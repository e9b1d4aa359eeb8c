/**
 * Values that are nearly short decimals: counters summed from decimal increments in floating point
 * (process_cpu_seconds_total adds microseconds / 1e6 at every scrape) drift a few ulps away from the decimal
 * they stand for, so they have no exact integer form, yet m / 10^e plus a small correction of the float's
 * bits (as a 64-bit integer) describes each one exactly in far fewer bits than XOR.
 */
import { HI_WORD, LO_WORD } from './float-bits.js';
import { bitLength, MAX_SCALED_MAGNITUDE, POW10, zigzag } from './int-values.js';

/** Largest exponent tried for approximate values. */
export const MAX_APPROX_EXPONENT = 12;

/** Bound (exclusive) on a correction's magnitude: zig-zag corrections fit 21 bits. */
export const MAX_CORRECTION = 2 ** 20;

const TWO_32 = 4294967296;
const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);

/** The integer nearest to v·10^e, +0 for zero (−0 would not survive the integer coding). */
function scaled(v: number, p: number): number {
  const m = Math.round(v * p);
  return m === 0 ? 0 : m;
}

/** Bits of the float64 `v` minus bits of m / p, as an integer (exact while small). */
function correction(hi: number, lo: number, m: number, p: number): number {
  scratchFloat[0] = m / p;
  return (hi - scratchWords[HI_WORD]!) * TWO_32 + (lo - scratchWords[LO_WORD]!);
}

/** Estimated bits of the deltas and corrections at exponent index `e`, or Infinity when it fails or passes `bound`. */
function cost(
  values: Float64Array,
  his: Uint32Array,
  los: Uint32Array,
  count: number,
  e: number,
  bound: number,
): number {
  const p = POW10[e]!;
  let bits = 0;
  let previous = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (!(Math.abs(v * p) < MAX_SCALED_MAGNITUDE)) return Infinity;
    const m = scaled(v, p);
    const c = correction(his[i]!, los[i]!, m, p);
    if (!(Math.abs(c) < MAX_CORRECTION)) return Infinity;
    if (i > 0) bits += bitLength(zigzag(m - previous));
    bits += bitLength(zigzag(c));
    if (bits >= bound) return Infinity;
    previous = m;
  }
  return bits;
}

/**
 * The exponent e (0–{@link MAX_APPROX_EXPONENT}) that describes every value as m / 10^e plus a correction
 * of its bits (|c| < 2^20) in the fewest estimated bits, with the integers written to `ints` and the
 * corrections to `corrections`; −1 when no exponent works (a non-finite value, a sign the rounding lost, …).
 * `values` and `his`/`los` are the same samples, as numbers and as bits.
 */
export function approximateIntegers(
  values: Float64Array,
  his: Uint32Array,
  los: Uint32Array,
  count: number,
  ints: Float64Array,
  corrections: Float64Array,
): number {
  for (let i = 0; i < count; i++) if (!Number.isFinite(values[i]!)) return -1;
  let best = -1;
  let bestBits = Infinity;
  for (let e = 0; e <= MAX_APPROX_EXPONENT; e++) {
    const bits = cost(values, his, los, count, e, bestBits);
    if (bits < bestBits) {
      bestBits = bits;
      best = e;
    }
  }
  if (best < 0) return -1;
  const p = POW10[best]!;
  for (let i = 0; i < count; i++) {
    const m = scaled(values[i]!, p);
    ints[i] = m;
    corrections[i] = correction(his[i]!, los[i]!, m, p);
  }
  return best;
}

/**
 * The float64 bits of m / divisor plus the correction `c`, into `out` ([hi, lo]): the decoder's side of
 * {@link approximateIntegers}.
 */
export function correctedBits(m: number, divisor: number, c: number, out: Uint32Array): void {
  scratchFloat[0] = m / divisor;
  const total = scratchWords[LO_WORD]! + c;
  out[1] = total >>> 0;
  out[0] = (scratchWords[HI_WORD]! + Math.floor(total / TWO_32)) >>> 0;
}
