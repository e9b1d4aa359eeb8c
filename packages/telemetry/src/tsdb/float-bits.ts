/**
 * Float64 ↔ two uint32 halves without BigInt: the codecs work on the halves so NaN payloads (the staleness
 * marker among them) never pass through arithmetic or a JS array, where V8 may canonicalise them.
 */

const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Index of the high 32 bits of a float64 inside a Uint32Array view of a Float64Array (host order). */
export const HI_WORD = LITTLE_ENDIAN ? 1 : 0;
/** Index of the low 32 bits of a float64 inside a Uint32Array view of a Float64Array (host order). */
export const LO_WORD = LITTLE_ENDIAN ? 0 : 1;

/** The high 32 bits (sign, exponent, top of the mantissa) of a float64, as an unsigned integer. */
export function floatHi(value: number): number {
  scratchFloat[0] = value;
  return scratchWords[HI_WORD]!;
}

/** The low 32 bits of the float64's mantissa, as an unsigned integer; pair with {@link floatHi}. */
export function floatLo(value: number): number {
  scratchFloat[0] = value;
  return scratchWords[LO_WORD]!;
}

/** The float64 with these bits (the halves as unsigned or signed 32-bit integers). */
export function floatFromBits(hi: number, lo: number): number {
  scratchWords[HI_WORD] = hi;
  scratchWords[LO_WORD] = lo;
  return scratchFloat[0]!;
}
