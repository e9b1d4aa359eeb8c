/**
 * Gorilla (Facebook, VLDB 2015) XOR chunks in Prometheus's layout: a 2-byte big-endian sample count, the
 * first timestamp as a signed varint and the first value's raw 64 bits, the second timestamp as an unsigned
 * varint delta, then per sample a delta-of-delta timestamp in Prometheus's buckets (0 / 14 / 17 / 20 / 64
 * bits) and the value XOR'd with the previous one inside a leading/trailing-zero window.
 */
import { BitWriter } from './bit-writer.js';
import { floatHi, floatLo } from './float-bits.js';
import { writeDodBits } from './timestamp-bits.js';
import { writeUvarintBits, writeVarintBits } from './varint-bits.js';

/** Samples per chunk before a new one is cut (Prometheus's figure). */
export const MAX_SAMPLES_PER_CHUNK = 120;

/**
 * Largest magnitude of a timestamp (ms): 2^51 (the year ~73 000) keeps every delta and delta of deltas an
 * exact integer in float64 arithmetic.
 */
export const MAX_ABS_TIMESTAMP = 2 ** 51;

/** 2^32, to split integers into 32-bit halves. */
export const TWO_32 = 4294967296;
/** Bytes of the chunk header (the big-endian sample count). */
export const CHUNK_HEADER_BYTES = 2;

/** Number of leading zero bits of the 64-bit value hi:lo. */
function leadingZeros64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Number of trailing zero bits of the (non-zero) 64-bit value hi:lo. */
function trailingZeros64(hi: number, lo: number): number {
  return lo !== 0 ? trailingZeros32(lo) : 32 + trailingZeros32(hi);
}

/**
 * Appends samples to one XOR chunk. Timestamps must be strictly increasing integers within
 * ±{@link MAX_ABS_TIMESTAMP} (the caller — the head — checks; the encoder does not).
 */
export class XorChunkEncoder {
  readonly #writer: BitWriter;
  #count = 0;
  #t = 0;
  #tDelta = 0;
  #hi = 0;
  #lo = 0;
  /** Leading zeros of the current XOR window; 0xff before the first window. */
  #leading = 0xff;
  #trailing = 0;
  #minT = 0;

  /** @param initialCapacity bytes reserved for the chunk (it grows as needed) */
  constructor(initialCapacity = 64) {
    this.#writer = new BitWriter(initialCapacity);
    this.#writer.writeBits(0, 16);
  }

  /** Samples in the chunk. */
  get count(): number {
    return this.#count;
  }

  /** Timestamp of the first sample (meaningless while empty). */
  get minT(): number {
    return this.#minT;
  }

  /** Timestamp of the last sample (meaningless while empty). */
  get maxT(): number {
    return this.#t;
  }

  /** Bytes of the encoded chunk so far. */
  get byteLength(): number {
    return this.#writer.byteLength;
  }

  /** Appends a sample given as a number (its bits are kept exactly). */
  append(t: number, value: number): void {
    this.appendBits(t, floatHi(value), floatLo(value));
  }

  /** Appends a sample whose value is given as the two unsigned 32-bit halves of its float64 bits. */
  appendBits(t: number, hi: number, lo: number): void {
    const writer = this.#writer;
    if (this.#count === 0) {
      writeVarintBits(writer, t);
      writer.writeBits(hi, 32);
      writer.writeBits(lo, 32);
      this.#minT = t;
    } else if (this.#count === 1) {
      this.#tDelta = t - this.#t;
      writeUvarintBits(writer, this.#tDelta);
      this.#writeValue(hi, lo);
    } else {
      const tDelta = t - this.#t;
      writeDodBits(this.#writer, tDelta - this.#tDelta);
      this.#tDelta = tDelta;
      this.#writeValue(hi, lo);
    }
    this.#t = t;
    this.#hi = hi >>> 0;
    this.#lo = lo >>> 0;
    this.#count++;
    writer.setByte(0, this.#count >>> 8);
    writer.setByte(1, this.#count & 0xff);
  }

  /** The chunk bytes so far (a view: valid until the next append). */
  view(): Uint8Array {
    return this.#writer.view();
  }

  /** A copy of the chunk bytes, sized exactly: what a closed chunk keeps. */
  toBytes(): Uint8Array {
    return this.#writer.toBytes();
  }

  #writeValue(hi: number, lo: number): void {
    const writer = this.#writer;
    const xh = (hi ^ this.#hi) >>> 0;
    const xl = (lo ^ this.#lo) >>> 0;
    if (xh === 0 && xl === 0) {
      writer.writeBit(0);
      return;
    }
    writer.writeBit(1);
    let leading = leadingZeros64(xh, xl);
    const trailing = trailingZeros64(xh, xl);
    // 5 bits hold the leading-zero count; fewer recorded zeros only widen the window.
    if (leading >= 32) leading = 31;
    let windowTrailing: number;
    let significant: number;
    if (this.#leading !== 0xff && leading >= this.#leading && trailing >= this.#trailing) {
      writer.writeBit(0);
      windowTrailing = this.#trailing;
      significant = 64 - this.#leading - windowTrailing;
    } else {
      this.#leading = leading;
      this.#trailing = trailing;
      windowTrailing = trailing;
      significant = 64 - leading - trailing;
      writer.writeBit(1);
      writer.writeBits(leading, 5);
      // 64 significant bits do not fit 6 bits; 0 never occurs otherwise, so it stands for 64.
      writer.writeBits(significant & 63, 6);
    }
    let sh: number;
    let sl: number;
    if (windowTrailing === 0) {
      sh = xh;
      sl = xl;
    } else if (windowTrailing >= 32) {
      sh = 0;
      sl = xh >>> (windowTrailing - 32);
    } else {
      sh = xh >>> windowTrailing;
      sl = ((xl >>> windowTrailing) | (xh << (32 - windowTrailing))) >>> 0;
    }
    writer.writeBits64(sh, sl, significant);
  }
}
