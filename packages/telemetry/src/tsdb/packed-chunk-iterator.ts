/** Decoding of packed chunks written by encodePackedChunk (see packed-chunk.ts for the layout). */
import { BitReader } from './bit-reader.js';
import { HI_WORD, LO_WORD } from './float-bits.js';
import { CLASS_COUNT_BITS, POW10, unzigzag, WIDTH_BITS } from './int-values.js';
import { correctedBits } from './approx-values.js';
import { VALUES_APPROX, VALUES_DELTA, VALUES_DOD, VALUES_XOR } from './packed-chunk.js';
import { readDodBits } from './timestamp-bits.js';
import { readUvarintBits, readVarintBits } from './varint-bits.js';
import { XorValueReader } from './xor-value-bits.js';

const scratchFloat = new Float64Array(1);
const scratchWords = new Uint32Array(scratchFloat.buffer);

/**
 * Iterates the samples of a packed chunk, with XorChunkIterator's interface: call {@link next} until it
 * returns false; after each true, `t` holds the timestamp and `hi`/`lo` the value's bits (unsigned).
 */
export class PackedChunkIterator {
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
  #regular = true;
  #mode = VALUES_XOR;
  #xor: XorValueReader | null = null;
  #divisor = 1;
  #int = 0;
  #intDelta = 0;
  #widths: number[] = [];
  #approx = false;
  #correction = 0;
  #correctionWidths: number[] = [];
  readonly #bits = new Uint32Array(2);

  constructor(bytes: Uint8Array) {
    this.#total = bytes.length >= 2 ? bytes[1]! : 0;
    this.#reader = new BitReader(bytes, 2);
  }

  /** Number of samples in the chunk. */
  get total(): number {
    return this.#total;
  }

  /** Advances to the next sample; false at the end. Throws a BitStreamEndError on a truncated chunk. */
  next(): boolean {
    if (this.#read >= this.#total) return false;
    if (this.#read === 0) {
      this.#readHeader();
    } else {
      if (this.#read >= 2 && !this.#regular) this.#tDelta += readDodBits(this.#reader);
      this.t += this.#tDelta;
      this.#readValue();
    }
    this.#read++;
    return true;
  }

  #readHeader(): void {
    const reader = this.#reader;
    this.t = readVarintBits(reader);
    if (this.#total >= 2) this.#tDelta = readUvarintBits(reader);
    if (this.#total >= 3) this.#regular = reader.readBit() === 1;
    let mode = reader.readBits(2);
    if (mode === VALUES_APPROX) {
      this.#approx = true;
      mode = reader.readBit() === 1 ? VALUES_DOD : VALUES_DELTA;
    }
    this.#mode = mode;
    if (this.#mode === VALUES_XOR) {
      const xor = new XorValueReader(reader);
      xor.first();
      this.#xor = xor;
      this.hi = xor.hi;
      this.lo = xor.lo;
      return;
    }
    const exponent = reader.readBits(4);
    const divisor = POW10[exponent];
    if (divisor === undefined) throw new RangeError(`bad decimal exponent ${exponent} in packed chunk`);
    this.#divisor = divisor;
    this.#int = readVarintBits(reader);
    if (this.#mode === VALUES_DOD && this.#total >= 2) this.#intDelta = readVarintBits(reader);
    this.#readWidths(this.#widths);
    if (this.#approx) {
      this.#correction = readVarintBits(reader);
      this.#readWidths(this.#correctionWidths);
    }
    this.#setValue();
  }

  #readWidths(widths: number[]): void {
    const classes = this.#reader.readBits(CLASS_COUNT_BITS) + 1;
    for (let k = 0; k < classes; k++) widths.push(this.#reader.readBits(WIDTH_BITS));
  }

  #readValue(): void {
    const xor = this.#xor;
    if (xor !== null) {
      xor.next();
      this.hi = xor.hi;
      this.lo = xor.lo;
      return;
    }
    if (this.#mode === VALUES_DOD) {
      if (this.#read > 1) this.#intDelta += this.#readResidual(this.#widths);
      this.#int += this.#intDelta;
    } else {
      this.#int += this.#readResidual(this.#widths);
    }
    if (this.#approx) this.#correction = this.#readResidual(this.#correctionWidths);
    this.#setValue();
  }

  #readResidual(widths: readonly number[]): number {
    const reader = this.#reader;
    const last = widths.length - 1;
    let code = 0;
    while (code < last && reader.readBit() === 1) code++;
    const width = widths[code]!;
    const z =
      width > 32 ? reader.readBits(width - 32) * 4294967296 + reader.readBits(32) : reader.readBits(width);
    return unzigzag(z);
  }

  #setValue(): void {
    if (this.#approx) {
      correctedBits(this.#int, this.#divisor, this.#correction, this.#bits);
      this.hi = this.#bits[0]!;
      this.lo = this.#bits[1]!;
      return;
    }
    // The same IEEE division the encoder checked, so the bits are the stored value's exactly.
    scratchFloat[0] = this.#divisor === 1 ? this.#int : this.#int / this.#divisor;
    this.hi = scratchWords[HI_WORD]!;
    this.lo = scratchWords[LO_WORD]!;
  }
}
