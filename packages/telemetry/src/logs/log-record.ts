/**
 * The on-disk record format of log segments. A segment file is an 8-byte magic followed by records:
 *
 *     u32 LE body length · u32 LE CRC-32 of the body · body
 *     body of a stream record: u8 1 · u32 LE stream id (local to the segment) · labels as JSON
 *     body of an entry record: u8 2 · u32 LE stream id · i64 LE timestamp ns · u8 trace id length ·
 *                              trace id (ASCII) · line (UTF-8, verbatim)
 *
 * Stream records make every segment self-describing, so deleting old segments never orphans newer ones.
 * The CRC lets recovery find a torn tail (a crash mid-write) and cut it off instead of failing.
 */
import { crc32 } from 'node:zlib';
import type { Labels } from '../model/labels.js';

/** The first bytes of every segment file (format version 1). */
export const SEGMENT_MAGIC = Buffer.from('OPSLOG1\n', 'latin1');
/** Bytes before a record's body: length and CRC. */
export const RECORD_HEADER_BYTES = 8;
/** Largest body accepted when reading: anything longer is corruption, not data. */
export const MAX_RECORD_BODY_BYTES = 16 * 1024 * 1024;

const KIND_STREAM = 1;
const KIND_ENTRY = 2;
const ENTRY_FIXED_BYTES = 1 + 4 + 8 + 1;

/** A decoded stream record. */
export interface StreamRecord {
  readonly kind: 'stream';
  readonly localId: number;
  readonly labels: Labels;
}

/** A decoded entry record; `line` is decoded only when asked for. */
export interface EntryRecord {
  readonly kind: 'entry';
  readonly localId: number;
  readonly timestampNs: bigint;
  readonly traceId: string | undefined;
  readonly line: string;
}

function frame(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  body.copy(out, RECORD_HEADER_BYTES);
  return out;
}

/** The framed record declaring stream `localId` with its labels. */
export function encodeStreamRecord(localId: number, labels: Labels): Buffer {
  const json = Buffer.from(JSON.stringify(labels), 'utf8');
  const body = Buffer.allocUnsafe(5 + json.length);
  body.writeUInt8(KIND_STREAM, 0);
  body.writeUInt32LE(localId, 1);
  json.copy(body, 5);
  return frame(body);
}

/** The framed record of one entry (one allocation). `traceId` must be ASCII of at most 255 bytes. */
export function encodeEntryRecord(
  localId: number,
  timestampNs: bigint,
  traceId: string | undefined,
  line: string,
): Buffer {
  const trace = traceId ?? '';
  const bodyLength = ENTRY_FIXED_BYTES + trace.length + Buffer.byteLength(line, 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + bodyLength);
  const body = RECORD_HEADER_BYTES;
  out.writeUInt32LE(bodyLength, 0);
  out.writeUInt8(KIND_ENTRY, body);
  out.writeUInt32LE(localId, body + 1);
  out.writeBigInt64LE(timestampNs, body + 5);
  out.writeUInt8(trace.length, body + 13);
  out.write(trace, body + ENTRY_FIXED_BYTES, 'latin1');
  out.write(line, body + ENTRY_FIXED_BYTES + trace.length, 'utf8');
  out.writeUInt32LE(crc32(out.subarray(body)), 4);
  return out;
}

/**
 * Decodes the body of a record (without its header); undefined when it is not a valid record. Recovery
 * passes `withLine = false`: it only needs the stream, time and trace id (`line` is then empty).
 */
export function decodeBody(body: Buffer, withLine = true): StreamRecord | EntryRecord | undefined {
  if (body.length < 5) return undefined;
  const kind = body.readUInt8(0);
  const localId = body.readUInt32LE(1);
  if (kind === KIND_STREAM) {
    try {
      const labels = JSON.parse(body.toString('utf8', 5)) as unknown;
      if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return undefined;
      return { kind: 'stream', localId, labels: labels as Labels };
    } catch {
      return undefined;
    }
  }
  if (kind !== KIND_ENTRY || body.length < ENTRY_FIXED_BYTES) return undefined;
  const traceLength = body.readUInt8(13);
  if (body.length < ENTRY_FIXED_BYTES + traceLength) return undefined;
  return {
    kind: 'entry',
    localId,
    timestampNs: body.readBigInt64LE(5),
    traceId: traceLength === 0 ? undefined : body.toString('latin1', 14, 14 + traceLength),
    line: withLine ? body.toString('utf8', ENTRY_FIXED_BYTES + traceLength) : '',
  };
}

/** Where one record sits in a buffer (offsets relative to the buffer). */
export interface RecordSpan {
  readonly offset: number;
  readonly length: number;
  readonly body: Buffer;
}

/**
 * Walks the records of `buf` from `start`, calling `onRecord` for each whose CRC checks out, and returns the
 * offset just after the last good record: a shorter file than `buf.length` means a torn or corrupt tail.
 */
export function scanRecords(buf: Buffer, start: number, onRecord: (span: RecordSpan) => void): number {
  let pos = start;
  while (pos + RECORD_HEADER_BYTES <= buf.length) {
    const bodyLength = buf.readUInt32LE(pos);
    const end = pos + RECORD_HEADER_BYTES + bodyLength;
    if (bodyLength === 0 || bodyLength > MAX_RECORD_BODY_BYTES || end > buf.length) break;
    const body = buf.subarray(pos + RECORD_HEADER_BYTES, end);
    if (crc32(body) !== buf.readUInt32LE(pos + 4)) break;
    onRecord({ offset: pos, length: end - pos, body });
    pos = end;
  }
  return pos;
}
