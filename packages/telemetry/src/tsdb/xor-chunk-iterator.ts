/** Decoding of XOR chunks written by {@link XorChunkEncoder}. */
import { BitReader } from './bit-reader.js';
import { CHUNK_HEADER_BYTES, TWO_32 } from './xor-chunk.js';

function readUvarintBits(reader: BitReader): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const byte = reader.readByte();
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
  throw new Error('varint too long in chunk');
}

function readVarintBits(reader: BitReader): number {
  const zigzag = readUvarintBits(reader);
  return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
}

/** The sample count stored in a chunk's header. */
export function chunkSampleCount(bytes: Uint8Array): number {
  if (bytes.length < CHUNK_HEADER_BYTES) return 0;
  return (bytes[0]! << 8) | bytes[1]!;
}

/**
 * Iterates the samples of a chunk: call {@link next} until it returns false; after each true, `t` holds the
 * timestamp and `hi`/`lo` the value's bits (as unsigned 32-bit integers).
 */
export class XorChunkIterator {
  /** Timestamp of the current sample. */
  t = 0;
  /** High 32 bits of the current value. */
  hi = 0;
  /** Low 32 bits of the current value. */
  lo = 0;
  readonly #reader: BitReader;
  readonly #total: number;
  #read = 0;
  #tDelta = 0;
  #leading = 0;
  #trailing = 0;

  constructor(bytes: Uint8Array) {
    this.#total = chunkSampleCount(bytes);
    this.#reader = new BitReader(bytes, CHUNK_HEADER_BYTES);
  }

  /** Number of samples in the chunk. */
  get total(): number {
    return this.#total;
  }

  /** Advances to the next sample; false at the end. Throws a BitStreamEndError on a truncated chunk. */
  next(): boolean {
    if (this.#read >= this.#total) return false;
    const reader = this.#reader;
    if (this.#read === 0) {
      this.t = readVarintBits(reader);
      this.hi = reader.readBits(32);
      this.lo = reader.readBits(32);
    } else if (this.#read === 1) {
      this.#tDelta = readUvarintBits(reader);
      this.t += this.#tDelta;
      this.#readValue();
    } else {
      this.#tDelta += this.#readDeltaOfDelta();
      this.t += this.#tDelta;
      this.#readValue();
    }
    this.#read++;
    return true;
  }

  #readDeltaOfDelta(): number {
    const reader = this.#reader;
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

  #readValue(): void {
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
