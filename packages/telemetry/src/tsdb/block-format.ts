/**
 * The on-disk layout of a block: a directory `blocks/<minTime>-<maxTime>/` holding
 *   - `chunks`: a magic header then the chunks back to back (chunk refs are byte offsets in this file); a
 *     chunk's first byte gives its encoding (0: XOR, 1: packed, see packed-chunk.ts);
 *   - `index.json`: the series (labels, and per chunk `[offset, length, minT, maxT, samples]`) sorted by
 *     labelsKey — a series' position is its id — and the postings (name → value → ids);
 *   - `meta.json`: {@link BlockMeta}.
 * A block is written into `<name>.tmp` and renamed into place, so a directory without that suffix is complete.
 */
import type { Labels } from '../model/labels.js';
import type { PostingsData } from './postings.js';

/**
 * Version of the block format written. 2: chunks may be packed as well as XOR (version 1 held XOR chunks
 * only, so a reader of version 1 must not take a version 2 block for one it understands).
 */
export const BLOCK_VERSION = 2;

/** Versions this code reads: version 1 blocks are version 2 blocks whose chunks all happen to be XOR. */
export const READABLE_BLOCK_VERSIONS: readonly number[] = [1, 2];

/** First bytes of a `chunks` file of a given version: "OLCK" and the format version (32-bit big-endian). */
export function chunksMagic(version: number): Uint8Array {
  return Uint8Array.of(0x4f, 0x4c, 0x43, 0x4b, 0, 0, 0, version);
}

/** First bytes of a `chunks` file written now. */
export const CHUNKS_MAGIC = chunksMagic(BLOCK_VERSION);

/** Suffix of a block directory being written. */
export const TMP_SUFFIX = '.tmp';
/** Suffix of a block directory being deleted (renamed first, so a crash never leaves half a block live). */
export const DELETING_SUFFIX = '.deleting';

/** meta.json of a block. */
export interface BlockMeta {
  readonly version: number;
  /** First millisecond covered (inclusive). */
  readonly minTime: number;
  /** End of the range covered (exclusive), a multiple of the block duration. */
  readonly maxTime: number;
  readonly numSeries: number;
  readonly numSamples: number;
  readonly numChunks: number;
  readonly compaction: {
    /** 1 for a block cut from the head; one more than its highest source for a compacted block. */
    readonly level: number;
    /** Names of the blocks merged into this one (empty for a cut). */
    readonly sources: readonly string[];
  };
}

/** A chunk reference in the index: byte offset, byte length, first and last timestamp, sample count. */
export type ChunkRef = [offset: number, length: number, minT: number, maxT: number, count: number];

/** index.json of a block. */
export interface BlockIndexFile {
  readonly version: number;
  readonly series: ReadonlyArray<{ readonly labels: Labels; readonly chunks: readonly ChunkRef[] }>;
  readonly postings: PostingsData;
}

/** The directory name of the block covering [minTime, maxTime). */
export function blockName(minTime: number, maxTime: number): string {
  return `${minTime}-${maxTime}`;
}

/** Whether a directory name is a complete block's. */
export function isBlockName(name: string): boolean {
  return /^-?\d+--?\d+$/.test(name);
}
