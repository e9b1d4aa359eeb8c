/**
 * Packed chunks: the second chunk encoding, chosen per chunk when smaller than XOR. Layout (bits from byte 2
 * on, big-endian as in XOR chunks):
 *   byte 0  {@link PACKED_CHUNK_ENCODING} (an XOR chunk's first byte is the high byte of its sample count,
 *           always 0 since a chunk holds at most 120 samples, so the first byte tells the two apart)
 *   byte 1  sample count (1–255)
 *   first timestamp (zig-zag varint); with ≥ 2 samples the first delta (varint); with ≥ 3 a bit set when
 *   every later delta equals it (regular scrapes: no per-sample timestamp bits at all)
 *   2 bits value mode: {@link VALUES_XOR}, {@link VALUES_DELTA}, {@link VALUES_DOD} or {@link VALUES_APPROX}
 *   (then 1 bit: 0 delta, 1 delta of deltas)
 *   XOR: the first value's 64 bits. Integer modes: 4 bits decimal exponent e, the first scaled integer
 *   (zig-zag varint), for DOD with ≥ 2 samples the first delta (zig-zag varint), 2 bits class count − 1 and
 *   6 bits per class width, in code order; APPROX adds the first correction (zig-zag varint) and the
 *   corrections' class header
 *   then per later sample: the delta of deltas of its timestamp (Prometheus's buckets) unless regular, and
 *   its value: the XOR form, or the zig-zag residual as a class code (class k: k ones then a zero, no zero
 *   after the last class) and that class's width of bits, then for APPROX its correction the same way. A
 *   value is its integer / 10^e, whose float64 bits APPROX adds the correction to (as a 64-bit integer).
 */
import { BitWriter } from './bit-writer.js';
import { ClassCoder } from './class-coder.js';
import { writeDodBits } from './timestamp-bits.js';
import { writeUvarintBits, writeVarintBits } from './varint-bits.js';
import { XorValueWriter } from './xor-value-bits.js';

/** First byte of a packed chunk. */
export const PACKED_CHUNK_ENCODING = 1;
/** Most samples a packed chunk holds (its count is one byte). */
export const MAX_PACKED_SAMPLES = 255;
/** Value mode: Gorilla XOR (values that are not integers or short decimals, NaN, ±Inf, −0). */
export const VALUES_XOR = 0;
/** Value mode: scaled integers, differenced once (counters, steady gauges). */
export const VALUES_DELTA = 1;
/** Value mode: scaled integers, differenced twice (steady rates). */
export const VALUES_DOD = 2;
/**
 * Value mode: nearly short decimals, as scaled integers (a bit: 0 delta, 1 delta of deltas) plus a per-sample
 * correction of the float's bits (see approx-values.ts).
 */
export const VALUES_APPROX = 3;

/** Per-sample corrections of approximate values: bits(value) = bits(integer / 10^e) + correction. */
export interface PackedCorrections {
  /** The first sample's correction. */
  readonly first: number;
  /** Zig-zag correction of each later sample (index 1 on). */
  readonly residuals: Float64Array;
  /** Bit length of each. */
  readonly lengths: Uint8Array;
  /** Correction widths in code order. */
  readonly widths: readonly number[];
}

/** Scaled integer values and how to pack them (see int-values.ts). */
export interface PackedIntValues {
  /** {@link VALUES_DELTA} or {@link VALUES_DOD}. */
  readonly mode: number;
  /** Decimal exponent e: value = integer / 10^e. */
  readonly exponent: number;
  /** The integers, one per sample. */
  readonly ints: Float64Array;
  /**
   * Zig-zag residual of each sample from index 1 (DELTA) or 2 (DOD): of its delta, or of its delta's change;
   * computed once by the planner, which needed them for the widths.
   */
  readonly residuals: Float64Array;
  /** Bit length of each residual. */
  readonly lengths: Uint8Array;
  /** Residual widths in code order; they must cover every residual. */
  readonly widths: readonly number[];
  /** Corrections when the values are approximate ({@link VALUES_APPROX}), else null. */
  readonly corrections: PackedCorrections | null;
}

/** Samples by column: timestamps and value bits (unsigned 32-bit halves). */
export interface SampleColumns {
  readonly t: Float64Array;
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly count: number;
}

const residualCoder = new ClassCoder();
const correctionCoder = new ClassCoder();

/**
 * Encodes samples (1–{@link MAX_PACKED_SAMPLES}, strictly increasing integer timestamps within ±2^51) as a
 * packed chunk: values as `ints` when given (they must be exact, see scaleToIntegers), else XOR.
 */
export function encodePackedChunk(samples: SampleColumns, ints: PackedIntValues | null): Uint8Array {
  const { t, hi, lo, count } = samples;
  if (count < 1 || count > MAX_PACKED_SAMPLES)
    throw new RangeError(`a packed chunk holds 1–255 samples, not ${count}`);
  const writer = new BitWriter(32 + count * 2);
  writer.writeBits(PACKED_CHUNK_ENCODING, 8);
  writer.writeBits(count, 8);
  writeVarintBits(writer, t[0]!);
  let regular = true;
  if (count >= 2) {
    const delta = t[1]! - t[0]!;
    writeUvarintBits(writer, delta);
    for (let i = 2; i < count && regular; i++) regular = t[i]! - t[i - 1]! === delta;
    if (count >= 3) writer.writeBit(regular ? 1 : 0);
  }
  if (ints === null) {
    writer.writeBits(VALUES_XOR, 2);
    const xor = new XorValueWriter(writer);
    xor.first(hi[0]!, lo[0]!);
    for (let i = 1; i < count; i++) {
      if (!regular && i >= 2) writeDodBits(writer, t[i]! - t[i - 1]! - (t[i - 1]! - t[i - 2]!));
      xor.next(hi[i]!, lo[i]!);
    }
    return writer.toBytes();
  }
  const { mode, exponent, widths, residuals, lengths, corrections } = ints;
  const m = ints.ints;
  if (corrections === null) {
    writer.writeBits(mode, 2);
  } else {
    writer.writeBits(VALUES_APPROX, 2);
    writer.writeBit(mode === VALUES_DOD ? 1 : 0);
  }
  writer.writeBits(exponent, 4);
  writeVarintBits(writer, m[0]!);
  if (mode === VALUES_DOD && count >= 2) writeVarintBits(writer, m[1]! - m[0]!);
  residualCoder.setWidths(writer, widths);
  if (corrections !== null) {
    writeVarintBits(writer, corrections.first);
    correctionCoder.setWidths(writer, corrections.widths);
  }
  for (let i = 1; i < count; i++) {
    if (!regular && i >= 2) writeDodBits(writer, t[i]! - t[i - 1]! - (t[i - 1]! - t[i - 2]!));
    // With DOD the first delta is in the header.
    if (mode !== VALUES_DOD || i > 1) residualCoder.write(writer, residuals[i]!, lengths[i]!);
    if (corrections !== null) {
      correctionCoder.write(writer, corrections.residuals[i]!, corrections.lengths[i]!);
    }
  }
  return writer.toBytes();
}
