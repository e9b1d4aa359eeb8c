/** Decoding of XOR chunks written by {@link XorChunkEncoder}. */
import { BitReader, BitStreamEndError } from './bit-reader.js';
import { HI_WORD, LO_WORD } from './float-bits.js';
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

/**
 * Up to 32 bits at bit position `pos`, big-endian, as an unsigned integer; bits past the end read as zeros
 * (the caller checks the final position, so a truncated chunk still fails).
 */
function bitsAt(b: Uint8Array, d: DataView, pos: number, count: number): number {
  const i = pos >>> 3;
  const off = pos & 7;
  if (i + 5 > b.length) return bitsAtSlow(b, pos, count);
  const w = d.getUint32(i);
  if (off + count <= 32) return ((w << off) >>> 0) >>> (32 - count);
  const rest = count - (32 - off);
  // The word's low 32 − off bits, then `rest` (≤ 7) bits of the next byte.
  return (w & (0xffffffff >>> off)) * (1 << rest) + (b[i + 4]! >>> (8 - rest));
}

function bitsAtSlow(b: Uint8Array, pos: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const p = pos + k;
    const byte = p >>> 3 < b.length ? b[p >>> 3]! : 0;
    value = value * 2 + ((byte >>> (7 - (p & 7))) & 1);
  }
  return value;
}

/**
 * Decodes the samples of an XOR chunk with timestamps in [minT, maxT] straight into `outT` (timestamps) and
 * `outWords` (a Uint32Array view of the values' Float64Array, so NaN payloads stay exact), from index `n`;
 * returns the index after the last sample written. Reads at most `limit` samples (the head's open chunk may
 * have grown past what was selected). The same decoding as {@link XorChunkIterator}, with the bit reads
 * inlined: queries decode millions of samples and the per-bit method calls dominated their cost.
 */
export function decodeXorChunkInto(
  bytes: Uint8Array,
  limit: number,
  minT: number,
  maxT: number,
  outT: Float64Array,
  outWords: Uint32Array,
  n: number,
): number {
  const total = Math.min(limit, chunkSampleCount(bytes));
  if (total <= 0) return n;
  const endBits = bytes.length * 8;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = CHUNK_HEADER_BYTES * 8;
  let t = 0;
  let tDelta = 0;
  let hi = 0;
  let lo = 0;
  let leading = 0;
  let trailing = 0;
  for (let read = 0; read < total; read++) {
    if (read === 0) {
      let zigzag = 0;
      let scale = 1;
      for (let k = 0; ; k++) {
        if (k === 10) throw new Error('varint too long in chunk');
        const byte = bitsAt(bytes, view, pos, 8);
        pos += 8;
        zigzag += (byte & 0x7f) * scale;
        if (byte < 0x80) break;
        scale *= 0x80;
      }
      t = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
      hi = bitsAt(bytes, view, pos, 32);
      lo = bitsAt(bytes, view, pos + 32, 32);
      pos += 64;
    } else {
      if (read === 1) {
        let delta = 0;
        let scale = 1;
        for (let k = 0; ; k++) {
          if (k === 10) throw new Error('varint too long in chunk');
          const byte = bitsAt(bytes, view, pos, 8);
          pos += 8;
          delta += (byte & 0x7f) * scale;
          if (byte < 0x80) break;
          scale *= 0x80;
        }
        tDelta = delta;
      } else {
        // Delta of delta: a prefix of up to four 1 bits picks the bucket (0 / 14 / 17 / 20 / 64 bits).
        const prefix = bitsAt(bytes, view, pos, 4);
        if ((prefix & 8) === 0) {
          pos += 1;
        } else if ((prefix & 4) === 0) {
          const bits = bitsAt(bytes, view, pos + 2, 14);
          pos += 16;
          tDelta += bits > 8192 ? bits - 16384 : bits;
        } else if ((prefix & 2) === 0) {
          const bits = bitsAt(bytes, view, pos + 3, 17);
          pos += 20;
          tDelta += bits > 65536 ? bits - 131072 : bits;
        } else if ((prefix & 1) === 0) {
          const bits = bitsAt(bytes, view, pos + 4, 20);
          pos += 24;
          tDelta += bits > 524288 ? bits - 1048576 : bits;
        } else {
          const dh = bitsAt(bytes, view, pos + 4, 32);
          const dl = bitsAt(bytes, view, pos + 36, 32);
          pos += 68;
          tDelta += (dh | 0) * TWO_32 + dl;
        }
      }
      t += tDelta;
      // Value: 0 = same as before; 10 = XOR in the previous window; 11 = new window (5 + 6 bits) then XOR.
      const control = bitsAt(bytes, view, pos, 2);
      if (control < 2) {
        pos += 1;
      } else {
        pos += 2;
        if (control === 3) {
          leading = bitsAt(bytes, view, pos, 5);
          let significant = bitsAt(bytes, view, pos + 5, 6);
          pos += 11;
          if (significant === 0) significant = 64;
          trailing = 64 - leading - significant;
        }
        const significant = 64 - leading - trailing;
        let bh = 0;
        let bl: number;
        if (significant > 32) {
          bh = bitsAt(bytes, view, pos, significant - 32);
          bl = bitsAt(bytes, view, pos + significant - 32, 32);
        } else {
          bl = bitsAt(bytes, view, pos, significant);
        }
        pos += significant;
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
        hi = (hi ^ xh) >>> 0;
        lo = (lo ^ xl) >>> 0;
      }
    }
    if (pos > endBits) throw new BitStreamEndError('bit stream ended');
    if (t < minT) continue;
    if (t > maxT) break;
    outT[n] = t;
    outWords[2 * n + HI_WORD] = hi;
    outWords[2 * n + LO_WORD] = lo;
    n++;
  }
  return n;
}
