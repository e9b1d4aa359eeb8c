import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * The binary half of ARTime's snapshot: four typed tapes (bytes, unsigned integers, float32, float64), each
 * read back in the order it was written, deflated together into one base64 string. Floats travel as their
 * IEEE bits, so every value (−0, ±Infinity, NaN included) comes back exactly; grouping values by type keeps
 * alike bytes together, which is what lets deflate shrink the category weights.
 */
export class TapeWriter {
  private readonly bytes: number[] = [];
  private readonly uints: number[] = [];
  private readonly f32: number[] = [];
  private readonly f64: number[] = [];

  byte(value: number): void {
    this.bytes.push(value);
  }

  /** A non-negative safe integer (varint coded, so small ones take one byte). */
  uint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a tape uint: ${value}`);
    this.uints.push(value);
  }

  float32(value: number): void {
    this.f32.push(value);
  }

  float64(value: number): void {
    this.f64.push(value);
  }

  float64s(values: readonly number[]): void {
    for (const v of values) this.f64.push(v);
  }

  finish(): string {
    const varints = Buffer.from(this.uints.flatMap(varint));
    const header = Buffer.from(
      [this.bytes.length, varints.length, this.f32.length, this.f64.length].flatMap(varint),
    );
    const floats = Buffer.alloc(this.f64.length * 8 + this.f32.length * 4);
    this.f64.forEach((v, i) => floats.writeDoubleLE(v, i * 8));
    this.f32.forEach((v, i) => floats.writeFloatLE(v, this.f64.length * 8 + i * 4));
    const raw = Buffer.concat([header, floats, Buffer.from(this.bytes), varints]);
    return deflateRawSync(raw).toString('base64');
  }
}

/** Reads what a {@link TapeWriter} wrote; any inconsistency throws (the caller reports a malformed snapshot). */
export class TapeReader {
  private readonly raw: Buffer;
  private readonly f64Start: number;
  private readonly f32Start: number;
  private readonly bytesStart: number;
  private readonly varintStart: number;
  private readonly end: number;
  private f64At = 0;
  private f32At = 0;
  private bytesAt = 0;
  private varintAt: number;

  constructor(encoded: string, maxBytes: number) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new Error('data is not base64');
    this.raw = inflateRawSync(Buffer.from(encoded, 'base64'), { maxOutputLength: maxBytes });
    const header = { at: 0 };
    const byteCount = readVarint(this.raw, header, this.raw.length);
    const varintBytes = readVarint(this.raw, header, this.raw.length);
    const f32Count = readVarint(this.raw, header, this.raw.length);
    const f64Count = readVarint(this.raw, header, this.raw.length);
    this.f64Start = header.at;
    this.f32Start = this.f64Start + f64Count * 8;
    this.bytesStart = this.f32Start + f32Count * 4;
    this.varintStart = this.bytesStart + byteCount;
    this.end = this.varintStart + varintBytes;
    this.varintAt = this.varintStart;
    if (this.end !== this.raw.length) throw new Error('data tapes do not add up');
  }

  byte(): number {
    if (this.bytesStart + this.bytesAt >= this.varintStart) throw new Error('byte tape ended');
    return this.raw[this.bytesStart + this.bytesAt++]!;
  }

  uint(): number {
    const cursor = { at: this.varintAt };
    const value = readVarint(this.raw, cursor, this.end);
    this.varintAt = cursor.at;
    return value;
  }

  float32(): number {
    const at = this.f32Start + 4 * this.f32At++;
    if (at + 4 > this.bytesStart) throw new Error('float32 tape ended');
    return this.raw.readFloatLE(at);
  }

  float64(): number {
    const at = this.f64Start + 8 * this.f64At++;
    if (at + 8 > this.f32Start) throw new Error('float64 tape ended');
    return this.raw.readDoubleLE(at);
  }

  float64s(count: number): number[] {
    return Array.from({ length: count }, () => this.float64());
  }

  /** Throws unless every tape was read to its end (a snapshot with extra data is not this layout). */
  finish(): void {
    const done =
      this.f64Start + 8 * this.f64At === this.f32Start &&
      this.f32Start + 4 * this.f32At === this.bytesStart &&
      this.bytesStart + this.bytesAt === this.varintStart &&
      this.varintAt === this.end;
    if (!done) throw new Error('data has values left over');
  }
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function readVarint(raw: Buffer, cursor: { at: number }, end: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (cursor.at >= end) throw new Error('uint tape ended');
    if (scale > Number.MAX_SAFE_INTEGER) throw new Error('uint out of range');
    const b = raw[cursor.at++]!;
    value += (b & 0x7f) * scale;
    if (value > Number.MAX_SAFE_INTEGER) throw new Error('uint out of range');
    if (b < 0x80) return value;
    scale *= 0x80;
  }
}
