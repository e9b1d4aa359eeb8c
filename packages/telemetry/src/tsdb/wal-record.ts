/**
 * WAL records and their framing. A frame is `[payload length: u32 BE][CRC32 of payload: u32 BE][payload]`;
 * a payload is `[type: u8][count: u32 BE][entries]` (a fixed-width count, so frames are built in place):
 *   - series (type 1): per entry `id: uvarint, label count: uvarint, (name, value): length-prefixed UTF-8`;
 *   - samples (type 2): `base timestamp: varint`, then per entry `id: uvarint, t − base: varint, value bits:
 *     u32 BE high, u32 BE low` (raw bits, so NaN payloads survive).
 * A frame that is cut short or fails its CRC marks where the intact log ends (a torn write at a crash).
 */
import { crc32 } from 'node:zlib';
import type { Labels } from '../model/labels.js';
import { ByteReader, MalformedRecordError } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';

const RECORD_SERIES = 1;
const RECORD_SAMPLES = 2;
const FRAME_HEADER_BYTES = 8;
/** Samples per record: bounds a record's size (≈ 1.6 MB) while a commit may carry any number. */
const MAX_SAMPLES_PER_RECORD = 100_000;

/** What replay does with each decoded entry. */
export interface WalRecordHandlers {
  series(id: number, labels: Labels): void;
  sample(id: number, t: number, hi: number, lo: number): void;
}

/** Starts a frame in `writer` (emptied first); entries follow, then {@link finishFrame}. */
function startFrame(writer: ByteWriter, type: number): void {
  writer.reset();
  writer.writeUint32(0);
  writer.writeUint32(0);
  writer.writeByte(type);
  writer.writeUint32(0);
}

/** Fills in the count, length and CRC of a frame built in `writer`; returns a copy of its bytes. */
function finishFrame(writer: ByteWriter, count: number): Uint8Array {
  writer.setUint32(FRAME_HEADER_BYTES + 1, count);
  const bytes = writer.view();
  writer.setUint32(0, bytes.length - FRAME_HEADER_BYTES);
  writer.setUint32(4, crc32(bytes.subarray(FRAME_HEADER_BYTES)));
  return bytes.slice();
}

/** Encodes series definitions as one framed record (a checkpoint's content). */
export function encodeSeriesRecord(series: Iterable<{ id: number; labels: Labels }>): Uint8Array {
  const writer = new ByteWriter();
  startFrame(writer, RECORD_SERIES);
  let count = 0;
  for (const { id, labels } of series) {
    writeSeriesEntry(writer, id, labels);
    count++;
  }
  return finishFrame(writer, count);
}

function writeSeriesEntry(body: ByteWriter, id: number, labels: Labels): void {
  body.writeUvarint(id);
  const names = Object.keys(labels);
  body.writeUvarint(names.length);
  for (const name of names) {
    body.writeString(name);
    body.writeString(labels[name]!);
  }
}

/**
 * Records appended but not yet written: series definitions and samples, framed on {@link take}. Series are
 * always framed before the samples that follow them, so replay meets a definition before its samples.
 */
export class WalBuffer {
  readonly #series = new ByteWriter();
  #seriesCount = 0;
  readonly #samples = new ByteWriter(16_384);
  #sampleCount = 0;
  #baseT = 0;
  #maxT = -Infinity;
  #frames: Uint8Array[] = [];

  /** Buffers a series definition. */
  addSeries(id: number, labels: Labels): void {
    if (this.#seriesCount === 0) startFrame(this.#series, RECORD_SERIES);
    writeSeriesEntry(this.#series, id, labels);
    this.#seriesCount++;
  }

  /** Buffers one sample (value as float64 bits). */
  addSample(id: number, t: number, hi: number, lo: number): void {
    const samples = this.#samples;
    if (this.#sampleCount === 0) {
      startFrame(samples, RECORD_SAMPLES);
      samples.writeVarint(t);
      this.#baseT = t;
    }
    samples.writeUvarint(id);
    samples.writeVarint(t - this.#baseT);
    samples.writeUint32(hi >>> 0);
    samples.writeUint32(lo >>> 0);
    if (t > this.#maxT) this.#maxT = t;
    if (++this.#sampleCount >= MAX_SAMPLES_PER_RECORD) this.#seal();
  }

  /** The framed records buffered so far (empty when none) and their newest sample time; then empties. */
  take(): { bytes: Uint8Array; maxT: number } {
    this.#seal();
    const frames = this.#frames;
    const maxT = this.#maxT;
    this.#frames = [];
    this.#maxT = -Infinity;
    if (frames.length === 1) return { bytes: frames[0]!, maxT };
    return { bytes: Buffer.concat(frames), maxT };
  }

  #seal(): void {
    if (this.#seriesCount > 0) {
      this.#frames.push(finishFrame(this.#series, this.#seriesCount));
      this.#seriesCount = 0;
    }
    if (this.#sampleCount > 0) {
      this.#frames.push(finishFrame(this.#samples, this.#sampleCount));
      this.#sampleCount = 0;
    }
  }
}

/** How far a log's bytes are intact. */
export interface FrameScan {
  /** Offset after the last intact frame. */
  readonly end: number;
  /** Why the scan stopped before the end of the bytes, or null. */
  readonly damage: string | null;
  /** Newest sample time met (−Infinity when none). */
  readonly maxT: number;
}

/** Decodes every intact frame of a segment or checkpoint, stopping at the first damaged one. */
export function readFrames(bytes: Uint8Array, handlers: WalRecordHandlers): FrameScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let maxT = -Infinity;
  while (offset < bytes.length) {
    if (bytes.length - offset < FRAME_HEADER_BYTES) {
      return { end: offset, damage: `torn frame header at byte ${offset}`, maxT };
    }
    const length = view.getUint32(offset);
    const start = offset + FRAME_HEADER_BYTES;
    if (start + length > bytes.length) return { end: offset, damage: `torn record at byte ${offset}`, maxT };
    const payload = bytes.subarray(start, start + length);
    if (crc32(payload) !== view.getUint32(offset + 4)) {
      return { end: offset, damage: `checksum mismatch at byte ${offset}`, maxT };
    }
    try {
      maxT = Math.max(maxT, decodePayload(payload, handlers));
    } catch (error) {
      if (!(error instanceof MalformedRecordError)) throw error;
      return { end: offset, damage: `malformed record at byte ${offset}: ${error.message}`, maxT };
    }
    offset = start + length;
  }
  return { end: offset, damage: null, maxT };
}

/** Decodes one payload; returns its newest sample time. Throws MalformedRecordError. */
function decodePayload(payload: Uint8Array, handlers: WalRecordHandlers): number {
  const reader = new ByteReader(payload);
  const type = reader.readByte();
  const count = reader.readUint32();
  let maxT = -Infinity;
  if (type === RECORD_SERIES) {
    for (let i = 0; i < count; i++) {
      const id = reader.readUvarint();
      const labelCount = reader.readUvarint();
      const labels: Record<string, string> = {};
      for (let j = 0; j < labelCount; j++) labels[reader.readString()] = reader.readString();
      handlers.series(id, labels);
    }
  } else if (type === RECORD_SAMPLES) {
    const base = reader.readVarint();
    for (let i = 0; i < count; i++) {
      const id = reader.readUvarint();
      const t = base + reader.readVarint();
      const hi = reader.readUint32();
      const lo = reader.readUint32();
      if (t > maxT) maxT = t;
      handlers.sample(id, t, hi, lo);
    }
  } else {
    throw new MalformedRecordError(`unknown record type ${type}`);
  }
  if (reader.remaining !== 0) throw new MalformedRecordError('trailing bytes in record');
  return maxT;
}
