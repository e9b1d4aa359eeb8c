import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Non-negative integers in a few separate varint streams, deflated together into one base64 string: CAD
 * OSE's memory is all small counters and ids, and keeping each kind of number in its own stream (one column
 * per field) lets deflate find the repeats.
 */
export class VarintStreamsWriter {
  private readonly streams: number[][];

  constructor(count: number) {
    this.streams = Array.from({ length: count }, () => []);
  }

  /** Appends a non-negative safe integer to stream `stream`. */
  put(stream: number, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
    const out = this.streams[stream]!;
    while (value >= 0x80) {
      out.push((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    out.push(value);
  }

  finish(): string {
    const header: number[] = [];
    const lengths = new VarintStreamsWriter(1);
    for (const s of this.streams) lengths.put(0, s.length);
    header.push(...lengths.streams[0]!);
    const raw = Buffer.from([...header, ...this.streams.flat()]);
    return deflateRawSync(raw).toString('base64');
  }
}

/** Reads what a {@link VarintStreamsWriter} wrote; anything inconsistent throws. */
export class VarintStreamsReader {
  private readonly raw: Buffer;
  private readonly at: number[] = [];
  private readonly end: number[] = [];

  constructor(encoded: unknown, count: number, maxBytes: number) {
    if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
      throw new Error('memory is not a base64 string');
    }
    this.raw = inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: maxBytes });
    const header = { at: 0 };
    const lengths: number[] = [];
    for (let i = 0; i < count; i++) lengths.push(readVarint(this.raw, header, this.raw.length));
    let start = header.at;
    for (const length of lengths) {
      this.at.push(start);
      start += length;
      this.end.push(start);
    }
    if (start !== this.raw.length) throw new Error('memory streams do not add up');
  }

  /** The next integer of stream `stream`, checked to be at most `max`. */
  get(stream: number, max = Number.MAX_SAFE_INTEGER): number {
    const cursor = { at: this.at[stream]! };
    const value = readVarint(this.raw, cursor, this.end[stream]!);
    this.at[stream] = cursor.at;
    if (value > max) throw new Error(`memory value ${value} is above ${max}`);
    return value;
  }

  /** Throws unless every stream was read to its end. */
  done(): void {
    this.at.forEach((at, i) => {
      if (at !== this.end[i]) throw new Error(`memory stream ${i} has extra data`);
    });
  }
}

function readVarint(raw: Buffer, cursor: { at: number }, end: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (cursor.at >= end) throw new Error('memory stream ends inside a number');
    const byte = raw[cursor.at++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) break;
    scale *= 0x80;
    if (scale > 2 ** 49) throw new Error('memory number is too long');
  }
  if (!Number.isSafeInteger(value)) throw new Error('memory number is too large');
  return value;
}
