/**
 * Re-encoding of a full XOR chunk when it is cut: the head appends into an XOR chunk (cheap per sample), and
 * on closing it the samples are decoded once and written again as a packed chunk when that is smaller —
 * scaled integers for integer and short-decimal values, XOR values with implicit timestamps otherwise.
 */
import { approximateIntegers } from './approx-values.js';
import { HI_WORD, LO_WORD } from './float-bits.js';
import { bitLength, planWidths, scaleToIntegers, zigzag } from './int-values.js';
import {
  encodePackedChunk,
  MAX_PACKED_SAMPLES,
  PACKED_CHUNK_ENCODING,
  type PackedCorrections,
  VALUES_DELTA,
  VALUES_DOD,
  type PackedIntValues,
  type SampleColumns,
} from './packed-chunk.js';
import { XorChunkIterator } from './xor-chunk-iterator.js';

// Scratch columns, reused: encoding is synchronous and single-threaded.
const times = new Float64Array(MAX_PACKED_SAMPLES);
const values = new Float64Array(MAX_PACKED_SAMPLES);
const words = new Uint32Array(values.buffer);
const his = new Uint32Array(MAX_PACKED_SAMPLES);
const los = new Uint32Array(MAX_PACKED_SAMPLES);
const ints = new Float64Array(MAX_PACKED_SAMPLES);
const deltaHistogram = new Float64Array(65);
const dodHistogram = new Float64Array(65);
const deltaResiduals = new Float64Array(MAX_PACKED_SAMPLES);
const deltaLengths = new Uint8Array(MAX_PACKED_SAMPLES);
const dodResiduals = new Float64Array(MAX_PACKED_SAMPLES);
const dodLengths = new Uint8Array(MAX_PACKED_SAMPLES);
const correctionValues = new Float64Array(MAX_PACKED_SAMPLES);
const correctionResiduals = new Float64Array(MAX_PACKED_SAMPLES);
const correctionLengths = new Uint8Array(MAX_PACKED_SAMPLES);
const correctionHistogram = new Float64Array(65);

/** Bits of a zig-zag varint. */
function varintBits(value: number): number {
  return 8 * Math.max(1, Math.ceil(bitLength(zigzag(value)) / 7));
}

/**
 * The integer packing of the scaled values in `ints`: delta or delta of deltas, whichever has the smaller
 * sum of residual bit lengths (planning both exactly costs twice the CPU for a fraction of a percent).
 */
function planInts(count: number, exponent: number, corrections: PackedCorrections | null): PackedIntValues {
  deltaHistogram.fill(0);
  dodHistogram.fill(0);
  let previousDelta = 0;
  let deltaSum = 0;
  let dodSum = 0;
  for (let i = 1; i < count; i++) {
    const delta = ints[i]! - ints[i - 1]!;
    const z = zigzag(delta);
    const length = bitLength(z);
    deltaResiduals[i] = z;
    deltaLengths[i] = length;
    deltaHistogram[length]!++;
    deltaSum += length;
    if (i >= 2) {
      const dz = zigzag(delta - previousDelta);
      const dodLength = bitLength(dz);
      dodResiduals[i] = dz;
      dodLengths[i] = dodLength;
      dodHistogram[dodLength]!++;
      dodSum += dodLength;
    }
    previousDelta = delta;
  }
  if (count >= 3 && dodSum + varintBits(ints[1]! - ints[0]!) < deltaSum) {
    const { widths } = planWidths(dodHistogram);
    return {
      mode: VALUES_DOD,
      exponent,
      ints,
      widths,
      residuals: dodResiduals,
      lengths: dodLengths,
      corrections,
    };
  }
  const { widths } = planWidths(deltaHistogram);
  return {
    mode: VALUES_DELTA,
    exponent,
    ints,
    widths,
    residuals: deltaResiduals,
    lengths: deltaLengths,
    corrections,
  };
}

/**
 * The smallest encoding of the `count` samples of the XOR chunk `xorBytes`: a packed chunk, or a copy of
 * the XOR bytes when packing does not win. Either decodes to exactly the same samples.
 */
export function recodeChunk(xorBytes: Uint8Array, count: number): Uint8Array {
  if (count < 1 || count > MAX_PACKED_SAMPLES) return xorBytes.slice();
  const it = new XorChunkIterator(xorBytes);
  for (let i = 0; i < count; i++) {
    if (!it.next()) return xorBytes.slice();
    times[i] = it.t;
    his[i] = it.hi;
    los[i] = it.lo;
    words[2 * i + HI_WORD] = it.hi;
    words[2 * i + LO_WORD] = it.lo;
  }
  const samples: SampleColumns = { t: times, hi: his, lo: los, count };
  const exponent = scaleToIntegers(values, count, ints);
  if (exponent >= 0) return smallest(encodePackedChunk(samples, planInts(count, exponent, null)), xorBytes);
  // Not exact decimals: XOR values, or nearly decimals with corrections when that is smaller.
  const xorValues = smallest(encodePackedChunk(samples, null), xorBytes);
  const approxExponent = approximateIntegers(values, his, los, count, ints, correctionValues);
  if (approxExponent < 0) return xorValues;
  return smallest(
    encodePackedChunk(samples, planInts(count, approxExponent, planCorrections(count))),
    xorValues,
  );
}

/** The smaller of two encodings (the second, copied, when it is XOR bytes the caller still writes to). */
function smallest(packed: Uint8Array, other: Uint8Array): Uint8Array {
  if (packed.length < other.length) return packed;
  return other[0] === PACKED_CHUNK_ENCODING ? other : other.slice();
}

/** The class coding of the corrections in `correctionValues`. */
function planCorrections(count: number): PackedCorrections {
  correctionHistogram.fill(0);
  for (let i = 1; i < count; i++) {
    const z = zigzag(correctionValues[i]!);
    const length = bitLength(z);
    correctionResiduals[i] = z;
    correctionLengths[i] = length;
    correctionHistogram[length]!++;
  }
  return {
    first: correctionValues[0]!,
    residuals: correctionResiduals,
    lengths: correctionLengths,
    widths: planWidths(correctionHistogram).widths,
  };
}
