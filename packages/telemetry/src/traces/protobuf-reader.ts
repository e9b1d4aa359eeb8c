/**
 * A minimal protobuf wire-format reader (https://protobuf.dev/programming-guides/encoding/): varints,
 * fixed32/fixed64 and length-delimited fields, enough to decode OTLP without generated code. Every read is
 * bounds-checked; malformed input throws {@link ProtobufDecodeError}, never reads past the message.
 */

/** The input is not valid protobuf wire format (truncated field, bad wire type, overlong varint...). */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
}

/** Protobuf wire types. */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  fixed32: 5,
} as const;

/** A field key: field number and wire type. */
export interface FieldTag {
  readonly field: number;
  readonly wireType: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one message (or a sub-range of a buffer holding one). */
export class ProtobufReader {
  readonly #buf: Uint8Array;
  #view: DataView | undefined;
  #pos: number;
  readonly #end: number;

  /** Reads `buf` from `start` to `end`; `view` (a DataView of `buf`) is shared by embedded-message readers. */
  constructor(buf: Uint8Array, start = 0, end = buf.length, view?: DataView) {
    this.#buf = buf;
    this.#view = view;
    this.#pos = start;
    this.#end = end;
  }

  /** Whether the whole message has been read. */
  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** The next field key. Field number 0 is invalid in protobuf. */
  tag(): FieldTag {
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0 || field > 0x1fffffff) throw new ProtobufDecodeError(`invalid field number ${field}`);
    return { field, wireType: key % 8 };
  }

  /** A varint as a number (exact up to 2^53; used for keys, lengths, enums, bools, uint32). */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.#byte();
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  /** A varint as an unsigned 64-bit bigint (int64 fields are read with {@link int64}). */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.#byte();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  /** A signed int64 varint (two's complement, as protobuf encodes negative int64). */
  int64(): bigint {
    return BigInt.asIntN(64, this.varint64());
  }

  /** A little-endian fixed64 as an unsigned bigint. */
  fixed64(): bigint {
    this.#need(8);
    const value = this.#dataView().getBigUint64(this.#pos, true);
    this.#pos += 8;
    return value;
  }

  /** A little-endian fixed32 as an unsigned number. */
  fixed32(): number {
    this.#need(4);
    const value = this.#dataView().getUint32(this.#pos, true);
    this.#pos += 4;
    return value;
  }

  /** A little-endian IEEE 754 double (wire type fixed64). */
  double(): number {
    this.#need(8);
    const value = this.#dataView().getFloat64(this.#pos, true);
    this.#pos += 8;
    return value;
  }

  /** The payload of a length-delimited field (a view into the buffer, not a copy). */
  bytes(): Uint8Array {
    const length = this.varint();
    this.#need(length);
    const start = this.#pos;
    this.#pos += length;
    return this.#buf.subarray(start, start + length);
  }

  /** A length-delimited UTF-8 string; invalid UTF-8 is malformed input (protobuf requires valid strings). */
  string(): string {
    const bytes = this.bytes();
    if (bytes.length === 0) return '';
    // Most OTLP strings are short ASCII (keys, names); building them directly beats TextDecoder's call cost.
    if (bytes.length <= 64 && bytes.every((b) => b < 0x80)) return String.fromCharCode(...bytes);
    try {
      return utf8.decode(bytes);
    } catch {
      throw new ProtobufDecodeError('string field is not valid UTF-8');
    }
  }

  /** A reader over an embedded message (a length-delimited field). */
  message(): ProtobufReader {
    const length = this.varint();
    this.#need(length);
    const start = this.#pos;
    this.#pos += length;
    return new ProtobufReader(this.#buf, start, start + length, this.#dataView());
  }

  /** Skips the value of a field of `wireType` (unknown fields are skipped, as protobuf requires). */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint64();
        return;
      case WireType.fixed64:
        this.#need(8);
        this.#pos += 8;
        return;
      case WireType.lengthDelimited: {
        const length = this.varint();
        this.#need(length);
        this.#pos += length;
        return;
      }
      case WireType.fixed32:
        this.#need(4);
        this.#pos += 4;
        return;
      default:
        // Groups (3, 4) are deprecated and unused by OTLP; 6 and 7 do not exist.
        throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
    }
  }

  /** Throws unless `tag` has `expected` wire type (a known field sent with another type is malformed). */
  expect(tag: FieldTag, expected: number): void {
    if (tag.wireType !== expected) {
      throw new ProtobufDecodeError(`field ${tag.field} has wire type ${tag.wireType}, expected ${expected}`);
    }
  }

  #dataView(): DataView {
    this.#view ??= new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    return this.#view;
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw new ProtobufDecodeError('truncated varint');
    return this.#buf[this.#pos++]!;
  }

  #need(length: number): void {
    if (length > this.#end - this.#pos)
      throw new ProtobufDecodeError('field runs past the end of the message');
  }
}
