/**
 * Gorilla XOR coding of a run of float64 values, without the timestamps: the value half of an XOR chunk
 * (bit-identical to what XorChunkEncoder writes for its values), used by packed chunks whose values are not
 * integers or short decimals.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';

function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Writes each value XOR'd with the previous one inside a leading/trailing-zero window. */
export class XorValueWriter {
  #hi = 0;
  #lo = 0;
  /** Leading zeros of the current window; 0xff before the first window. */
  #leading = 0xff;
  #trailing = 0;

  readonly #writer: BitWriter;

  constructor(writer: BitWriter) {
    this.#writer = writer;
  }

  /** Writes the first value's raw 64 bits. */
  first(hi: number, lo: number): void {
    this.#writer.writeBits(hi, 32);
    this.#writer.writeBits(lo, 32);
    this.#hi = hi >>> 0;
    this.#lo = lo >>> 0;
  }

  /** Writes a following value. */
  next(hi: number, lo: number): void {
    const writer = this.#writer;
    const xh = (hi ^ this.#hi) >>> 0;
    const xl = (lo ^ this.#lo) >>> 0;
    this.#hi = hi >>> 0;
    this.#lo = lo >>> 0;
    if (xh === 0 && xl === 0) {
      writer.writeBit(0);
      return;
    }
    writer.writeBit(1);
    let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trailing = xl !== 0 ? trailingZeros32(xl) : 32 + trailingZeros32(xh);
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

/** Reads values written by {@link XorValueWriter}; `hi`/`lo` hold the current value's bits. */
export class XorValueReader {
  /** High 32 bits of the current value (unsigned). */
  hi = 0;
  /** Low 32 bits of the current value (unsigned). */
  lo = 0;
  #leading = 0;
  #trailing = 0;

  readonly #reader: BitReader;

  constructor(reader: BitReader) {
    this.#reader = reader;
  }

  /** Reads the first value. */
  first(): void {
    this.hi = this.#reader.readBits(32);
    this.lo = this.#reader.readBits(32);
  }

  /** Reads a following value. */
  next(): void {
    const reader = this.#reader;
    if (reader.readBit() === 0) return;
    if (reader.readBit() === 1) {
      this.#leading = reader.readBits(5);
      let significant = reader.readBits(6);
      if (significant === 0) significant = 64;
      this.#trailing = 64 - this.#leading - significant;
    }
    const significant = 64 - this.#leading - this.#trailing;
    let bh = 0;
    let bl: number;
    if (significant > 32) {
      bh = reader.readBits(significant - 32);
      bl = reader.readBits(32);
    } else {
      bl = reader.readBits(significant);
    }
    const trailing = this.#trailing;
    let xh: number;
    let xl: number;
    if (trailing === 0) {
      xh = bh;
      xl = bl;
    } else if (trailing >= 32) {
      xh = bl << (trailing - 32);
      xl = 0;
    } else {
      xh = (bh << trailing) | (bl >>> (32 - trailing));
      xl = bl << trailing;
    }
    this.hi = (this.hi ^ xh) >>> 0;
    this.lo = (this.lo ^ xl) >>> 0;
  }
}
