/**
 * A minimal protobuf wire-format writer (varint, fixed64 doubles, length-delimited fields and nested
 * messages): enough for Prometheus remote write and Loki push, without a code generator.
 */
export class ProtobufWriter {
  #buffer = new Uint8Array(256);
  #length = 0;
  readonly #scratch = new DataView(new ArrayBuffer(8));
  static readonly #encoder = new TextEncoder();

  /** The bytes written so far (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** A varint field (wire type 0); negative int64 values take ten bytes as protobuf specifies. */
  varintField(field: number, value: number | bigint): this {
    this.#tag(field, 0);
    this.#varint(BigInt.asUintN(64, BigInt(value)));
    return this;
  }

  /** A double field (wire type 1). */
  doubleField(field: number, value: number): this {
    this.#tag(field, 1);
    this.#scratch.setFloat64(0, value, true);
    this.#bytes(new Uint8Array(this.#scratch.buffer));
    return this;
  }

  /** A string field (wire type 2, UTF-8). */
  stringField(field: number, value: string): this {
    return this.bytesField(field, ProtobufWriter.#encoder.encode(value));
  }

  /** A bytes field (wire type 2). */
  bytesField(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(BigInt(value.length));
    this.#bytes(value);
    return this;
  }

  /** A nested message written by `write` into its own writer (wire type 2). */
  messageField(field: number, write: (writer: ProtobufWriter) => void): this {
    const nested = new ProtobufWriter();
    write(nested);
    return this.bytesField(field, nested.finish());
  }

  #tag(field: number, wireType: number): void {
    this.#varint(BigInt(field * 8 + wireType));
  }

  #varint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = b;
  }

  #bytes(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.length;
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = next;
  }
}
