/** Thrown when a bit stream ends before the value being read (a truncated or corrupt chunk). */
export class BitStreamEndError extends Error {
  override readonly name = 'BitStreamEndError';
}

/** Reads a big-endian bit stream written by {@link BitWriter}, from its start. */
export class BitReader {
  readonly #bytes: Uint8Array;
  /** Absolute bit position of the next bit. */
  #position: number;

  /** @param start byte offset where reading begins */
  constructor(bytes: Uint8Array, start = 0) {
    this.#bytes = bytes;
    this.#position = start * 8;
  }

  /** Reads one bit (0 or 1). */
  readBit(): number {
    const byteIndex = this.#position >>> 3;
    if (byteIndex >= this.#bytes.length) throw new BitStreamEndError('bit stream ended');
    const bit = (this.#bytes[byteIndex]! >>> (7 - (this.#position & 7))) & 1;
    this.#position++;
    return bit;
  }

  /** Reads `count` bits (0–32) as an unsigned integer. */
  readBits(count: number): number {
    if (this.#position + count > this.#bytes.length * 8) throw new BitStreamEndError('bit stream ended');
    let value = 0;
    let remaining = count;
    while (remaining > 0) {
      const byteIndex = this.#position >>> 3;
      const offset = this.#position & 7;
      const available = 8 - offset;
      const take = available < remaining ? available : remaining;
      const chunk = (this.#bytes[byteIndex]! >>> (available - take)) & ((1 << take) - 1);
      // Multiplication rather than `<<` keeps 32-bit results unsigned.
      value = value * (1 << take) + chunk;
      remaining -= take;
      this.#position += take;
    }
    return value;
  }

  /** Reads a whole byte at the current (possibly unaligned) position. */
  readByte(): number {
    return this.readBits(8);
  }
}
