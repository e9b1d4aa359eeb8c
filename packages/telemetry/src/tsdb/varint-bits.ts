/**
 * Varints inside a bit stream (8-bit groups at any bit position, least significant group first), as XOR chunks
 * write their first timestamp and delta; shared by the packed chunk encoding.
 */
import type { BitReader } from './bit-reader.js';
import type { BitWriter } from './bit-writer.js';

/** Writes a non-negative integer (≤ 2^53) as an unsigned varint. */
export function writeUvarintBits(writer: BitWriter, value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    writer.writeBits((rest % 0x80) | 0x80, 8);
    rest = Math.floor(rest / 0x80);
  }
  writer.writeBits(rest, 8);
}

/** Writes a signed integer (|v| ≤ 2^52) as a zig-zag varint. */
export function writeVarintBits(writer: BitWriter, value: number): void {
  writeUvarintBits(writer, value >= 0 ? value * 2 : -value * 2 - 1);
}

/** Reads an unsigned varint written by {@link writeUvarintBits}. */
export function readUvarintBits(reader: BitReader): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const byte = reader.readBits(8);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
  throw new Error('varint too long in chunk');
}

/** Reads a signed varint written by {@link writeVarintBits}. */
export function readVarintBits(reader: BitReader): number {
  const zigzag = readUvarintBits(reader);
  return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
}
