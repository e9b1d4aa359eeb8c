/**
 * An append-only big-endian bit stream over a growable Uint8Array: the storage of XOR chunks. Bits fill each
 * byte from its most significant bit, as in Prometheus's `bstream`, so chunk bytes are the same shape.
 */
export class BitWriter {
  #bytes: Uint8Array;
  #length = 0;
  /** Bits already used in the last byte (0 = the last byte is full or there is none). */
  #bitsInLastByte = 0;

  /** @param initialCapacity bytes reserved up front (the buffer doubles when full). */
  constructor(initialCapacity = 64) {
    this.#bytes = new Uint8Array(Math.max(1, initialCapacity));
  }

  /** Bytes written so far (a partly filled last byte counts). */
  get byteLength(): number {
    return this.#length;
  }

  /** Appends one bit (any non-zero `bit` writes a 1). */
  writeBit(bit: number): void {
    if (this.#bitsInLastByte === 0) this.#pushByte();
    if (bit !== 0) this.#bytes[this.#length - 1]! |= 0x80 >>> this.#bitsInLastByte;
    this.#bitsInLastByte = (this.#bitsInLastByte + 1) & 7;
  }

  /** Appends the low `count` bits (0–32) of `value`, most significant first. */
  writeBits(value: number, count: number): void {
    let remaining = count;
    if (remaining <= 0) return;
    let used = this.#bitsInLastByte;
    if (used !== 0) {
      // Top up the partly filled last byte first.
      const free = 8 - used;
      const take = free < remaining ? free : remaining;
      remaining -= take;
      this.#bytes[this.#length - 1]! |= ((value >>> remaining) & ((1 << take) - 1)) << (free - take);
      used = (used + take) & 7;
      if (remaining === 0) {
        this.#bitsInLastByte = used;
        return;
      }
    }
    // Then whole bytes, and a last partial one; room is made once for all of them.
    const needed = this.#length + ((remaining + 7) >>> 3);
    if (needed > this.#bytes.length) this.#grow(needed);
    const bytes = this.#bytes;
    let length = this.#length;
    while (remaining >= 8) {
      remaining -= 8;
      bytes[length++] = (value >>> remaining) & 0xff;
    }
    if (remaining > 0) bytes[length++] = (value << (8 - remaining)) & 0xff;
    this.#length = length;
    this.#bitsInLastByte = remaining;
  }

  /** Appends the low `count` bits (0–64) of the 64-bit value `hi:lo`, most significant first. */
  writeBits64(hi: number, lo: number, count: number): void {
    if (count > 32) {
      this.writeBits(hi, count - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, count);
    }
  }

  /** Overwrites a whole byte already written (the chunk header's sample count). */
  setByte(index: number, value: number): void {
    this.#bytes[index] = value;
  }

  /** A view of the bytes written so far (shares memory: copy it before writing on). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** A copy of the bytes written so far, sized exactly. */
  toBytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  #pushByte(): void {
    if (this.#length === this.#bytes.length) this.#grow(this.#length + 1);
    this.#bytes[this.#length++] = 0;
  }

  /** Grows the buffer (at least doubling it) to hold `minBytes`. */
  #grow(minBytes: number): void {
    const grown = new Uint8Array(Math.max(minBytes, this.#bytes.length * 2));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}
