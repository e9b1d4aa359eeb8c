/**
 * The analysis behind packed chunks' integer mode: scraped values are very often integers (counters, bucket
 * counts, byte gauges) or short decimals (seconds with 3–9 digits). Such a run is scaled by 10^e to integers
 * (as VictoriaMetrics does), differenced once (delta) or twice (delta of deltas), and the zig-zag residuals
 * are bit-packed in up to four widths chosen per chunk, with a unary code per residual saying which width.
 */

/** Largest decimal exponent tried: 10^15 is still exact in float64. */
export const MAX_DECIMAL_EXPONENT = 15;

/**
 * Bound (exclusive) on the magnitude of the scaled integers: with |m| < 2^50, deltas of deltas stay below
 * 2^52 and their zig-zag forms below 2^53, so all the arithmetic is exact in float64.
 */
export const MAX_SCALED_MAGNITUDE = 2 ** 50;

/** Most widths (classes) a chunk's residuals are packed in. */
export const MAX_WIDTH_CLASSES = 4;

/** Bits of a width in the chunk header. */
export const WIDTH_BITS = 6;

/** Bits of the class count (minus one) in the chunk header. */
export const CLASS_COUNT_BITS = 2;

const TWO_32 = 4294967296;

/** 10^0 … 10^{@link MAX_DECIMAL_EXPONENT}, all exact. */
export const POW10: readonly number[] = Array.from({ length: MAX_DECIMAL_EXPONENT + 1 }, (_, e) => 10 ** e);

/**
 * The smallest exponent e such that every value is exactly m / 10^e for an integer m with |m| < 2^50 (the
 * same IEEE division the decoder does, so its bits come back exactly), with the integers written to `out`; −1
 * when there is none. Non-finite values and −0 have no such form (NaN payloads and the sign of zero would be
 * lost), so a chunk holding one is not scaled.
 */
export function scaleToIntegers(values: Float64Array, count: number, out: Float64Array): number {
  let e = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || (v === 0 && 1 / v < 0)) return -1;
    for (;;) {
      const scaled = v * POW10[e]!;
      // Larger exponents only grow the integer.
      if (!(Math.abs(scaled) < MAX_SCALED_MAGNITUDE)) return -1;
      const m = Math.round(scaled);
      if (m / POW10[e]! === v) break;
      if (++e > MAX_DECIMAL_EXPONENT) return -1;
    }
  }
  const p = POW10[e]!;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    const m = Math.round(v * p);
    // An exponent found for a later value must also give back the earlier ones exactly.
    if (!(Math.abs(m) < MAX_SCALED_MAGNITUDE) || m / p !== v) return -1;
    out[i] = m;
  }
  return e;
}

/** Zig-zag form of an integer (|r| ≤ 2^52): 0, −1, 1, −2, … → 0, 1, 2, 3, … */
export function zigzag(r: number): number {
  return r >= 0 ? r * 2 : -r * 2 - 1;
}

/** The integer of a zig-zag form. */
export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** Bits needed by a non-negative integer below 2^53 (0 for 0). */
export function bitLength(z: number): number {
  return z < TWO_32 ? 32 - Math.clz32(z) : 64 - Math.clz32(Math.floor(z / TWO_32));
}

/** How a chunk's residuals are packed: widths in code order (class k is written as k ones, then a zero
 * unless it is the last class), and the total bits of the class header and the residuals. */
export interface WidthPlan {
  readonly widths: readonly number[];
  readonly bits: number;
}

/** Candidate widths examined besides the largest (the most frequent lengths when there are more). */
const MAX_CANDIDATES = 8;

// Scratch state of planWidths (synchronous, single-threaded).
const counts = new Float64Array(65);
const cumulative = new Float64Array(65);
const lengths = new Int32Array(65);
const candidates = new Int32Array(65);
const classCounts = [0, 0, 0, 0];
const classWidths = [0, 0, 0, 0];
const sortedCounts = [0, 0, 0, 0];

/**
 * The cheapest packing of residuals whose bit lengths have the histogram `histogram` (index = bit length,
 * 0–64): every subset of up to three candidate widths plus the largest length, classes ordered by frequency.
 */
export function planWidths(histogram: ArrayLike<number>): WidthPlan {
  let running = 0;
  let k = 0;
  for (let len = 0; len <= 64; len++) {
    const n = histogram[len] ?? 0;
    counts[len] = n;
    running += n;
    cumulative[len] = running;
    if (n > 0) lengths[k++] = len;
  }
  const max = k > 0 ? lengths[--k]! : 0;
  let c = k;
  if (c > MAX_CANDIDATES) {
    // Keep the most frequent lengths, in ascending order.
    const kept = Array.from(lengths.subarray(0, k))
      .sort((a, b) => counts[b]! - counts[a]! || a - b)
      .slice(0, MAX_CANDIDATES)
      .sort((a, b) => a - b);
    candidates.set(kept);
    c = MAX_CANDIDATES;
  } else {
    candidates.set(lengths.subarray(0, k));
  }
  let bestBits = Infinity;
  let bestA = c;
  let bestB = c;
  let bestD = c;
  // Subsets as index triples a < b < d into candidates; an index equal to c means "unused".
  for (let a = 0; a <= c; a++) {
    for (let b = a === c ? c : a + 1; b <= c; b++) {
      for (let d = b === c ? c : b + 1; d <= c; d++) {
        const bits = packedBits(fillWidths(a, b, d, c, max));
        if (bits < bestBits) {
          bestBits = bits;
          bestA = a;
          bestB = b;
          bestD = d;
        }
      }
    }
  }
  const n = fillWidths(bestA, bestB, bestD, c, max);
  packedBits(n);
  return { widths: codeOrder(n), bits: bestBits };
}

/** Puts the widths of a subset (candidate indices, c = unused) and the largest one in classWidths. */
function fillWidths(a: number, b: number, d: number, c: number, max: number): number {
  let n = 0;
  if (a < c) classWidths[n++] = candidates[a]!;
  if (b < c) classWidths[n++] = candidates[b]!;
  if (d < c) classWidths[n++] = candidates[d]!;
  classWidths[n++] = max;
  return n;
}

/** Bits of the header and residuals with the `n` ascending widths in classWidths (fills classCounts). */
function packedBits(n: number): number {
  let below = 0;
  let bits = CLASS_COUNT_BITS + WIDTH_BITS * n;
  for (let k = 0; k < n; k++) {
    const width = classWidths[k]!;
    const upTo = cumulative[width]!;
    classCounts[k] = upTo - below;
    bits += (upTo - below) * width;
    below = upTo;
  }
  if (n === 1) return bits;
  // Unary codes by falling frequency: the p-th most frequent class costs p + 1 bits, the last n − 1.
  for (let k = 0; k < n; k++) {
    const value = classCounts[k]!;
    let p = k;
    while (p > 0 && sortedCounts[p - 1]! < value) {
      sortedCounts[p] = sortedCounts[p - 1]!;
      p--;
    }
    sortedCounts[p] = value;
  }
  for (let p = 0; p < n; p++) bits += sortedCounts[p]! * (p < n - 1 ? p + 1 : n - 1);
  return bits;
}

/** The `n` widths in classWidths ordered by falling class count (ties: narrower first). */
function codeOrder(n: number): number[] {
  const order = Array.from({ length: n }, (_, k) => k);
  order.sort((x, y) => classCounts[y]! - classCounts[x]! || x - y);
  return order.map((k) => classWidths[k]!);
}
