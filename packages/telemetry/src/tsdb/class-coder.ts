/**
 * The per-chunk variable-width coding of zig-zag residuals used by packed chunks: up to four widths (classes)
 * in code order; class k is written as k ones, then a zero unless it is the last class, then the residual in
 * that class's width.
 */
import type { BitWriter } from './bit-writer.js';
import { CLASS_COUNT_BITS, WIDTH_BITS } from './int-values.js';

/** 2^0 … 2^32. */
const POW2 = Float64Array.from({ length: 33 }, (_, k) => 2 ** k);

/** Writes residuals in the classes of one set of widths (reusable: {@link setWidths} resets it). */
export class ClassCoder {
  /** Class of each bit length (0–64): the narrowest width holding it, −1 when none does. */
  readonly #codes = new Int8Array(65);
  readonly #prefixLength = new Int32Array(4);
  readonly #prefixValue = new Int32Array(4);
  readonly #width = new Int32Array(4);

  /** Uses `widths` (code order, 1–4 of them) and writes them as the class header. */
  setWidths(writer: BitWriter, widths: readonly number[]): void {
    writer.writeBits(widths.length - 1, CLASS_COUNT_BITS);
    for (const width of widths) writer.writeBits(width, WIDTH_BITS);
    const last = widths.length - 1;
    for (let code = 0; code <= last; code++) {
      this.#prefixLength[code] = code < last ? code + 1 : code;
      this.#prefixValue[code] = code < last ? ((1 << code) - 1) * 2 : (1 << code) - 1;
      this.#width[code] = widths[code]!;
    }
    for (let len = 0; len <= 64; len++) {
      let bestWidth = Infinity;
      let best = -1;
      for (let code = 0; code <= last; code++) {
        const width = widths[code]!;
        if (width >= len && width < bestWidth) {
          bestWidth = width;
          best = code;
        }
      }
      this.#codes[len] = best;
    }
  }

  /** Writes the zig-zag residual `z` (< 2^53) of bit length `length`. */
  write(writer: BitWriter, z: number, length: number): void {
    const code = this.#codes[length]!;
    if (code < 0) throw new RangeError('residual wider than every class');
    const width = this.#width[code]!;
    const prefix = this.#prefixLength[code]!;
    if (prefix + width <= 32) {
      // Code and residual in one write.
      writer.writeBits(this.#prefixValue[code]! * POW2[width]! + z, prefix + width);
    } else {
      writer.writeBits(this.#prefixValue[code]!, prefix);
      writer.writeBits64(Math.floor(z / 4294967296), z >>> 0, width);
    }
  }
}
