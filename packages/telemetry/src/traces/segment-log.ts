/**
 * The record framing of the store's append-only segment files: each record is
 *
 *     u32 LE payload length | u32 LE CRC-32 of (length bytes + payload) | payload
 *
 * A crash can leave the last record half written; scanning stops at the first frame that is short, too
 * long or fails its CRC, and reports the length of the valid prefix so the file can be truncated there.
 */
import { crc32 } from 'node:zlib';

/** Bytes of a frame header. */
export const FRAME_HEADER_BYTES = 8;

/** Largest payload a frame may hold; a longer length field means a corrupt header. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Frames `payload`. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new RangeError(`record of ${payload.length} bytes is too large`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload, crc32(frame.subarray(0, 4))), 4);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/** One valid frame found by {@link scanFrames}. */
export interface ScannedFrame {
  /** Offset of the frame header in the file. */
  readonly offset: number;
  /** Length of the whole frame, header included. */
  readonly length: number;
  readonly payload: Buffer;
}

/** The result of scanning a segment file. */
export interface FrameScan {
  readonly frames: ScannedFrame[];
  /** Length of the valid prefix: where the file must be truncated when `torn`. */
  readonly validLength: number;
  /** Whether bytes after the valid prefix had to be given up. */
  readonly torn: boolean;
}

/** Scans a whole segment file. */
export function scanFrames(data: Buffer): FrameScan {
  const frames: ScannedFrame[] = [];
  let offset = 0;
  for (;;) {
    if (offset === data.length) return { frames, validLength: offset, torn: false };
    const payload = frameAt(data, offset);
    if (payload === undefined) return { frames, validLength: offset, torn: true };
    const length = FRAME_HEADER_BYTES + payload.length;
    frames.push({ offset, length, payload });
    offset += length;
  }
}

/** The payload of the frame at `offset` of `data`, or undefined when it is incomplete or corrupt. */
export function frameAt(data: Buffer, offset: number): Buffer | undefined {
  if (data.length - offset < FRAME_HEADER_BYTES) return undefined;
  const length = data.readUInt32LE(offset);
  if (length > MAX_PAYLOAD_BYTES || data.length - offset - FRAME_HEADER_BYTES < length) return undefined;
  const payload = data.subarray(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length);
  const expected = crc32(payload, crc32(data.subarray(offset, offset + 4)));
  return expected === data.readUInt32LE(offset + 4) ? payload : undefined;
}
