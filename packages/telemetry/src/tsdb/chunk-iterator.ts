/**
 * Picks the decoder of a chunk from its first byte: XOR chunks start with 0 (the high byte of their sample
 * count, at most 120), packed chunks with 1. Every reader of chunk bytes goes through here.
 */
import { PACKED_CHUNK_ENCODING } from './packed-chunk.js';
import { decodePackedChunkInto } from './packed-chunk-decode.js';
import { PackedChunkIterator } from './packed-chunk-iterator.js';
import { chunkSampleCount, decodeXorChunkInto, XorChunkIterator } from './xor-chunk-iterator.js';

/** An iterator over a chunk's samples (`next()`, then `t`, `hi`, `lo`), whatever its encoding. */
export type ChunkIterator = XorChunkIterator | PackedChunkIterator;

/** Whether a chunk is packed (see packed-chunk.ts) rather than XOR. */
export function isPackedChunk(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === PACKED_CHUNK_ENCODING;
}

/** The sample count in a chunk's header, whatever its encoding (packed chunks keep it in their second byte). */
export function chunkHeaderCount(bytes: Uint8Array): number {
  if (!isPackedChunk(bytes)) return chunkSampleCount(bytes);
  return bytes.length >= 2 ? bytes[1]! : 0;
}

/** An iterator over the samples of a chunk of either encoding. */
export function chunkIterator(bytes: Uint8Array): ChunkIterator {
  return isPackedChunk(bytes) ? new PackedChunkIterator(bytes) : new XorChunkIterator(bytes);
}

/**
 * decodeXorChunkInto for a chunk of either encoding: its samples in [minT, maxT] (at most `limit` read) into
 * `outT` and `outWords` from index `n`; returns the index after the last one written.
 */
export function decodeChunkInto(
  bytes: Uint8Array,
  limit: number,
  minT: number,
  maxT: number,
  outT: Float64Array,
  outWords: Uint32Array,
  n: number,
): number {
  return isPackedChunk(bytes)
    ? decodePackedChunkInto(bytes, limit, minT, maxT, outT, outWords, n)
    : decodeXorChunkInto(bytes, limit, minT, maxT, outT, outWords, n);
}
