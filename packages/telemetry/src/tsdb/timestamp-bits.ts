/**
 * Delta-of-delta timestamps in Prometheus's buckets (0 / 14 / 17 / 20 / 64 bits), as XOR chunks write them;
 * shared by the packed chunk encoding.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';

const TWO_32 = 4294967296;

/** Whether `x` fits Prometheus's signed bucket of `bits` bits: −(2^(bits−1) − 1) ≤ x ≤ 2^(bits−1). */
function fitsBucket(x: number, bits: number): boolean {
  const half = 1 << (bits - 1);
  return x >= -(half - 1) && x <= half;
}

/** Writes a delta of deltas (an integer within ±2^53). */
export function writeDodBits(writer: BitWriter, dod: number): void {
  if (dod === 0) {
    writer.writeBit(0);
  } else if (fitsBucket(dod, 14)) {
    writer.writeBits(0b10, 2);
    writer.writeBits(dod, 14);
  } else if (fitsBucket(dod, 17)) {
    writer.writeBits(0b110, 3);
    writer.writeBits(dod, 17);
  } else if (fitsBucket(dod, 20)) {
    writer.writeBits(0b1110, 4);
    writer.writeBits(dod, 20);
  } else {
    writer.writeBits(0b1111, 4);
    // Two's complement halves; `>>> 0` reduces an integer modulo 2^32 exactly.
    writer.writeBits(Math.floor(dod / TWO_32) >>> 0, 32);
    writer.writeBits(dod >>> 0, 32);
  }
}

/** Reads a delta of deltas written by {@link writeDodBits}. */
export function readDodBits(reader: BitReader): number {
  let ones = 0;
  while (ones < 4 && reader.readBit() === 1) ones++;
  if (ones === 0) return 0;
  if (ones === 4) {
    const hi = reader.readBits(32);
    const lo = reader.readBits(32);
    return (hi | 0) * TWO_32 + lo;
  }
  const size = ones === 1 ? 14 : ones === 2 ? 17 : 20;
  const bits = reader.readBits(size);
  return bits > 1 << (size - 1) ? bits - (1 << size) : bits;
}
