/**
 * Bulk decoding of packed chunks into typed arrays, the query path's counterpart of decodeXorChunkInto: the
 * same decoding as PackedChunkIterator with the bit reads inlined (queries decode millions of samples).
 */
import { BitStreamEndError } from './bit-reader.js';
import { HI_WORD, LO_WORD } from './float-bits.js';
import { POW10 } from './int-values.js';
import { VALUES_APPROX, VALUES_DELTA, VALUES_DOD, VALUES_XOR } from './packed-chunk.js';

const TWO_32 = 4294967296;
const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);

/**
 * Up to 32 bits (1–32) at bit position `pos`, big-endian, unsigned; bits past the end read as zeros (the
 * caller checks the final position, so a truncated chunk still fails).
 */
function bitsAt(b: Uint8Array, pos: number, count: number): number {
  const i = pos >>> 3;
  const off = pos & 7;
  if (i + 4 >= b.length) return bitsAtSlow(b, pos, count);
  const w = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  if (off + count <= 32) return ((w << off) >>> 0) >>> (32 - count);
  const take = 32 - off;
  const rest = count - take;
  return (w & (2 ** take - 1)) * (1 << rest) + (b[i + 4]! >>> (8 - rest));
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

/** Bit position after the last varint read by {@link uvarintAt}. */
let cursor = 0;

/** An unsigned varint at bit position `pos`; the position after it is left in `cursor`. */
function uvarintAt(b: Uint8Array, pos: number): number {
  let value = 0;
  let scale = 1;
  for (let k = 0; k < 10; k++) {
    const byte = bitsAt(b, pos + 8 * k, 8);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      cursor = pos + 8 * (k + 1);
      return value;
    }
    scale *= 0x80;
  }
  throw new Error('varint too long in chunk');
}

/**
 * A residual coded in classes at bit position `pos` (class k: k ones, then a zero unless it is the last; then
 * that class's width of bits), zig-zag decoded; the position after it is left in `cursor`.
 */
function readClassed(b: Uint8Array, pos: number, last: number, widths: readonly number[]): number {
  let code = 0;
  if (last > 0) {
    code = Math.clz32(~(bitsAt(b, pos, 4) << 28));
    if (code > last) code = last;
    pos += code < last ? code + 1 : code;
  }
  const width = widths[code]!;
  let z = 0;
  if (width > 32) z = bitsAt(b, pos, width - 32) * TWO_32 + bitsAt(b, pos + width - 32, 32);
  else if (width > 0) z = bitsAt(b, pos, width);
  cursor = pos + width;
  return unzigzag(z);
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/**
 * Decodes the samples of a packed chunk with timestamps in [minT, maxT] into `outT` and `outWords` (a
 * Uint32Array view of the values' Float64Array) from index `n`, reading at most `limit` samples; returns the
 * index after the last sample written. The signature of decodeXorChunkInto.
 */
export function decodePackedChunkInto(
  bytes: Uint8Array,
  limit: number,
  minT: number,
  maxT: number,
  outT: Float64Array,
  outWords: Uint32Array,
  n: number,
): number {
  const count = bytes.length >= 2 ? bytes[1]! : 0;
  const total = Math.min(limit, count);
  if (total <= 0) return n;
  const endBits = bytes.length * 8;
  let t = unzigzag(uvarintAt(bytes, 16));
  let pos = cursor;
  let tDelta = 0;
  let regular = true;
  if (count >= 2) {
    tDelta = uvarintAt(bytes, pos);
    pos = cursor;
  }
  if (count >= 3) regular = bitsAt(bytes, pos++, 1) === 1;
  let mode = bitsAt(bytes, pos, 2);
  pos += 2;
  const approx = mode === VALUES_APPROX;
  if (approx) mode = bitsAt(bytes, pos++, 1) === 1 ? VALUES_DOD : VALUES_DELTA;
  let c = 0;
  let cLast = 0;
  const cWidths = [0, 0, 0, 0];
  let hi = 0;
  let value = 0;
  let outValues: Float64Array | null = null;
  let lo = 0;
  let leading = 0;
  let trailing = 0;
  let divisor = 1;
  let m = 0;
  let d = 0;
  let last = 0;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  if (mode === VALUES_XOR) {
    hi = bitsAt(bytes, pos, 32);
    lo = bitsAt(bytes, pos + 32, 32);
    pos += 64;
  } else {
    const exponent = bitsAt(bytes, pos, 4);
    pos += 4;
    const power = POW10[exponent];
    if (power === undefined) throw new RangeError(`bad decimal exponent ${exponent} in packed chunk`);
    divisor = power;
    m = unzigzag(uvarintAt(bytes, pos));
    pos = cursor;
    if (mode === VALUES_DOD && count >= 2) {
      d = unzigzag(uvarintAt(bytes, pos));
      pos = cursor;
    }
    last = bitsAt(bytes, pos, 2);
    pos += 2;
    w0 = bitsAt(bytes, pos, 6);
    if (last >= 1) w1 = bitsAt(bytes, pos + 6, 6);
    if (last >= 2) w2 = bitsAt(bytes, pos + 12, 6);
    if (last >= 3) w3 = bitsAt(bytes, pos + 18, 6);
    pos += 6 * (last + 1);
    if (approx) {
      c = unzigzag(uvarintAt(bytes, pos));
      pos = cursor;
      cLast = bitsAt(bytes, pos, 2);
      pos += 2;
      for (let k = 0; k <= cLast; k++) cWidths[k] = bitsAt(bytes, pos + 6 * k, 6);
      pos += 6 * (cLast + 1);
    }
    value = divisor === 1 ? m : m / divisor;
    if (approx) {
      scratchFloat[0] = value;
      const total = scratchWords[LO_WORD]! + c;
      lo = total >>> 0;
      hi = (scratchWords[HI_WORD]! + Math.floor(total / TWO_32)) >>> 0;
    } else if (outWords.byteOffset % 8 === 0 && outWords.length % 2 === 0) {
      // Integer values go straight into a float view of the output (the same bits, and no NaN to guard).
      outValues = new Float64Array(outWords.buffer, outWords.byteOffset, outWords.length / 2);
    } else {
      scratchFloat[0] = value;
      hi = scratchWords[HI_WORD]!;
      lo = scratchWords[LO_WORD]!;
    }
  }
  for (let read = 0; read < total; read++) {
    if (read > 0) {
      if (read >= 2 && !regular) {
        // Delta of delta: a prefix of up to four 1 bits picks the bucket (0 / 14 / 17 / 20 / 64 bits).
        const prefix = bitsAt(bytes, pos, 4);
        if ((prefix & 8) === 0) {
          pos += 1;
        } else if ((prefix & 4) === 0) {
          const bits = bitsAt(bytes, pos + 2, 14);
          pos += 16;
          tDelta += bits > 8192 ? bits - 16384 : bits;
        } else if ((prefix & 2) === 0) {
          const bits = bitsAt(bytes, pos + 3, 17);
          pos += 20;
          tDelta += bits > 65536 ? bits - 131072 : bits;
        } else if ((prefix & 1) === 0) {
          const bits = bitsAt(bytes, pos + 4, 20);
          pos += 24;
          tDelta += bits > 524288 ? bits - 1048576 : bits;
        } else {
          const dh = bitsAt(bytes, pos + 4, 32);
          const dl = bitsAt(bytes, pos + 36, 32);
          pos += 68;
          tDelta += (dh | 0) * TWO_32 + dl;
        }
      }
      t += tDelta;
      if (mode === VALUES_XOR) {
        // 0 = same as before; 10 = XOR in the previous window; 11 = new window (5 + 6 bits) then XOR.
        const control = bitsAt(bytes, pos, 2);
        if (control < 2) {
          pos += 1;
        } else {
          pos += 2;
          if (control === 3) {
            leading = bitsAt(bytes, pos, 5);
            let significant = bitsAt(bytes, pos + 5, 6);
            pos += 11;
            if (significant === 0) significant = 64;
            trailing = 64 - leading - significant;
          }
          const significant = 64 - leading - trailing;
          let bh = 0;
          let bl: number;
          if (significant > 32) {
            bh = bitsAt(bytes, pos, significant - 32);
            bl = bitsAt(bytes, pos + significant - 32, 32);
          } else {
            bl = bitsAt(bytes, pos, significant);
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
      } else {
        let r = 0;
        if (mode !== VALUES_DOD || read > 1) {
          // Class k: k ones, then a zero unless it is the last class (at most 3 ones: peek 4 bits).
          let code = 0;
          if (last > 0) {
            code = Math.clz32(~(bitsAt(bytes, pos, 4) << 28));
            if (code > last) code = last;
            pos += code < last ? code + 1 : code;
          }
          const width = code === 0 ? w0 : code === 1 ? w1 : code === 2 ? w2 : w3;
          if (width > 32) {
            const z = bitsAt(bytes, pos, width - 32) * TWO_32 + bitsAt(bytes, pos + width - 32, 32);
            r = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
          } else if (width > 0) {
            const z = bitsAt(bytes, pos, width);
            // Small-integer zig-zag decoding when it fits 31 bits.
            r = width < 32 ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2;
          }
          pos += width;
        }
        if (mode === VALUES_DOD) {
          d += r;
          m += d;
        } else {
          m += r;
        }
        // The same IEEE division the encoder checked, so the bits are the stored value's exactly.
        value = divisor === 1 ? m : m / divisor;
        if (approx) {
          c = readClassed(bytes, pos, cLast, cWidths);
          pos = cursor;
          // The float64 bits of m / 10^e plus the correction, as a 64-bit integer.
          scratchFloat[0] = value;
          const total = scratchWords[LO_WORD]! + c;
          lo = total >>> 0;
          hi = (scratchWords[HI_WORD]! + Math.floor(total / TWO_32)) >>> 0;
        } else if (outValues === null) {
          scratchFloat[0] = value;
          hi = scratchWords[HI_WORD]!;
          lo = scratchWords[LO_WORD]!;
        }
      }
    }
    if (pos > endBits) throw new BitStreamEndError('bit stream ended');
    if (t < minT) continue;
    if (t > maxT) break;
    outT[n] = t;
    if (outValues === null) {
      outWords[2 * n + HI_WORD] = hi;
      outWords[2 * n + LO_WORD] = lo;
    } else {
      outValues[n] = value;
    }
    n++;
  }
  return n;
}
