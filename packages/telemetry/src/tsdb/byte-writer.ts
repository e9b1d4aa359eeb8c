/**
 * A growable byte buffer with the varint and fixed-width writers of the WAL's records. Numbers are exact
 * integers up to 2^53; varints use arithmetic rather than bit operators for that reason.
 */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  /** @param initialCapacity bytes reserved up front (the buffer doubles when full). */
  constructor(initialCapacity = 256) {
    this.#bytes = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** Forgets the content, keeping the allocation. */
  reset(): void {
    this.#length = 0;
  }

  /** Appends one byte. */
  writeByte(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = value;
  }

  /** Appends a non-negative integer (≤ 2^53) as an unsigned LEB128 varint. */
  writeUvarint(value: number): void {
    this.#reserve(8);
    let rest = value;
    while (rest >= 0x80) {
      this.#bytes[this.#length++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.#bytes[this.#length++] = rest;
  }

  /** Appends a signed integer (|v| ≤ 2^52) as a zig-zag varint. */
  writeVarint(value: number): void {
    this.writeUvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** Appends an unsigned 32-bit integer, big-endian. */
  writeUint32(value: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value);
    this.#length += 4;
  }

  /** Appends a length-prefixed UTF-8 string. */
  writeString(value: string): void {
    const encoded = Buffer.from(value, 'utf8');
    this.writeUvarint(encoded.length);
    this.writeBytes(encoded);
  }

  /** Appends raw bytes. */
  writeBytes(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#bytes.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  /** Overwrites a big-endian unsigned 32-bit integer at `offset` (already written). */
  setUint32(offset: number, value: number): void {
    this.#view.setUint32(offset, value);
  }

  /** A view of the bytes written so far (shares memory). */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  #reserve(extra: number): void {
    const needed = this.#length + extra;
    if (needed <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}
