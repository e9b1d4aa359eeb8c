/** Thrown when a record ends before a value being read, or holds an impossible value. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

/** Reads what {@link ByteWriter} writes, from a byte range. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;
  #offset: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#offset = start;
    this.#end = end;
  }

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.#end - this.#offset;
  }

  /** Reads one byte. */
  readByte(): number {
    if (this.#offset >= this.#end) throw new MalformedRecordError('record ended early');
    return this.#bytes[this.#offset++]!;
  }

  /** Reads an unsigned varint (≤ 2^53). */
  readUvarint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.readByte();
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new MalformedRecordError('varint too long');
  }

  /** Reads a zig-zag varint. */
  readVarint(): number {
    const zigzag = this.readUvarint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  /** Reads a big-endian unsigned 32-bit integer. */
  readUint32(): number {
    if (this.#offset + 4 > this.#end) throw new MalformedRecordError('record ended early');
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  /** Reads a length-prefixed UTF-8 string. */
  readString(): string {
    const length = this.readUvarint();
    if (this.#offset + length > this.#end) throw new MalformedRecordError('record ended early');
    const value = Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset + this.#offset, length).toString(
      'utf8',
    );
    this.#offset += length;
    return value;
  }
}
