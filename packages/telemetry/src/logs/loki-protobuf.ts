/**
 * A minimal protobuf wire-format reader for Loki's push request (what Promtail and the OTel Loki exporter
 * send, snappy-compressed):
 *
 *     PushRequest   { repeated StreamAdapter streams = 1; }
 *     StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
 *     EntryAdapter  { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated … metadata = 3; }
 *     Timestamp     { int64 seconds = 1; int32 nanos = 2; }
 *
 * Unknown fields are skipped, as protobuf requires; malformed input throws {@link ProtobufError}.
 */

/** Bytes that are not a valid message. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

/** One decoded stream of a push request. */
export interface PushedStream {
  /** The label string, e.g. `{app="api", env="prod"}`. */
  readonly labels: string;
  readonly entries: { readonly timestampNs: bigint; readonly line: string }[];
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A cursor over a protobuf message. */
class Reader {
  readonly #buf: Uint8Array;
  #pos: number;
  readonly #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#pos >= this.#end;
  }

  /** A varint as an unsigned 64-bit bigint. */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.#pos >= this.#end) throw new ProtobufError('truncated varint');
      const byte = this.#buf[this.#pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** A varint that must fit a safe JS number (lengths, tags). */
  smallVarint(): number {
    const value = this.varint();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtobufError('length out of range');
    return Number(value);
  }

  /** The field number and wire type of the next field. */
  tag(): { field: number; wire: number } {
    const tag = this.smallVarint();
    const field = Math.floor(tag / 8);
    if (field === 0) throw new ProtobufError('field number 0');
    return { field, wire: tag & 7 };
  }

  /** A length-delimited field as a sub-reader. */
  sub(): Reader {
    const length = this.smallVarint();
    if (this.#pos + length > this.#end) throw new ProtobufError('truncated length-delimited field');
    const reader = new Reader(this.#buf, this.#pos, this.#pos + length);
    this.#pos += length;
    return reader;
  }

  /** A length-delimited field as a UTF-8 string. */
  string(): string {
    const length = this.smallVarint();
    if (this.#pos + length > this.#end) throw new ProtobufError('truncated string');
    const bytes = this.#buf.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    try {
      return utf8.decode(bytes);
    } catch {
      throw new ProtobufError('string field is not valid UTF-8');
    }
  }

  /** Skips a field of the given wire type. */
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.#advance(8);
        return;
      case WIRE_LEN:
        this.sub();
        return;
      case WIRE_FIXED32:
        this.#advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }

  /** Requires `wire` for `field`. */
  expect(wire: number, expected: number, what: string): void {
    if (wire !== expected) throw new ProtobufError(`${what}: wrong wire type ${wire}`);
  }

  #advance(n: number): void {
    if (this.#pos + n > this.#end) throw new ProtobufError('truncated fixed-width field');
    this.#pos += n;
  }
}

function readTimestamp(reader: Reader): bigint {
  let seconds = 0n;
  let nanos = 0n;
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === 1) {
      reader.expect(wire, WIRE_VARINT, 'Timestamp.seconds');
      seconds = BigInt.asIntN(64, reader.varint());
    } else if (field === 2) {
      reader.expect(wire, WIRE_VARINT, 'Timestamp.nanos');
      nanos = BigInt.asIntN(32, reader.varint());
    } else {
      reader.skip(wire);
    }
  }
  if (nanos < 0n || nanos > 999_999_999n) throw new ProtobufError('Timestamp.nanos out of range');
  return seconds * 1_000_000_000n + nanos;
}

function readEntry(reader: Reader): { timestampNs: bigint; line: string } {
  let timestampNs = 0n;
  let line = '';
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === 1) {
      reader.expect(wire, WIRE_LEN, 'EntryAdapter.timestamp');
      timestampNs = readTimestamp(reader.sub());
    } else if (field === 2) {
      reader.expect(wire, WIRE_LEN, 'EntryAdapter.line');
      line = reader.string();
    } else {
      reader.skip(wire);
    }
  }
  return { timestampNs, line };
}

function readStream(reader: Reader): PushedStream {
  let labels = '';
  const entries: PushedStream['entries'] = [];
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === 1) {
      reader.expect(wire, WIRE_LEN, 'StreamAdapter.labels');
      labels = reader.string();
    } else if (field === 2) {
      reader.expect(wire, WIRE_LEN, 'StreamAdapter.entries');
      entries.push(readEntry(reader.sub()));
    } else {
      reader.skip(wire);
    }
  }
  return { labels, entries };
}

/** Decodes an (uncompressed) Loki `PushRequest`. */
export function decodePushRequest(bytes: Uint8Array): PushedStream[] {
  const reader = new Reader(bytes);
  const streams: PushedStream[] = [];
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (field === 1) {
      reader.expect(wire, WIRE_LEN, 'PushRequest.streams');
      streams.push(readStream(reader.sub()));
    } else {
      reader.skip(wire);
    }
  }
  return streams;
}
