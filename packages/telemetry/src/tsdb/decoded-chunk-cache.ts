/**
 * Decoded samples of immutable chunks (blocks, closed head chunks), kept between queries so that dashboards
 * re-reading the same hours decode them once: decoding is most of a long range query's time. Samples live in
 * large segments rather than an array per chunk: tens of thousands of small ArrayBuffers made every full
 * garbage collection take 100 ms. Bounded by bytes; when full, the oldest segment is dropped with every chunk
 * in it (first in, first out: a dashboard re-reading what fits always hits). Entries are keyed by the chunk
 * object itself: an immutable chunk's object is created once and never changes, and a dropped chunk
 * (compacted or retained away) is never asked for again, so it simply ages out.
 */
import type { ChunkSource } from './head-series.js';

/** Samples per segment at most (512 KiB). */
const SEGMENT_SAMPLES = 1 << 16;

/** Fixed cost counted per cached chunk besides its samples (map slot and entry object). */
const ENTRY_OVERHEAD_BYTES = 96;

/** Default byte budget: the decoded blocks of a day of 1 000 scraped series fit. */
export const DEFAULT_DECODED_CHUNK_CACHE_BYTES = 64 * 1024 * 1024;

/** Where cached samples live: timestamps and values' float64 bits side by side, filled front to back. */
interface Segment {
  readonly data: Float64Array;
  /** The same memory as 32-bit words, for copying values bit for bit (NaN payloads included). */
  readonly words: Uint32Array;
  fill: number;
  chunks: ChunkSource[];
}

/** One chunk's samples: `n` timestamps at `tOffset` and values at `vOffset` of `segment.data`. */
export interface CachedChunk {
  readonly segment: Segment;
  readonly tOffset: number;
  readonly vOffset: number;
  readonly n: number;
}

/** Decodes a chunk into `t` and `words` (a Uint32Array view of the values), returning the sample count. */
export type ChunkDecoder = (t: Float64Array, words: Uint32Array) => number;

export class DecodedChunkCache {
  readonly maxBytes: number;
  readonly #segmentSamples: number;
  readonly #entries = new Map<ChunkSource, CachedChunk>();
  /** Oldest first; the last one is being filled. */
  #segments: Segment[] = [];
  #hits = 0;
  #misses = 0;

  constructor(maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError(`decoded chunk cache size must be ≥ 0, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    this.#segmentSamples = Math.min(SEGMENT_SAMPLES, Math.floor(maxBytes / 8 / 4));
  }

  /** Bytes held: the segments, plus a fixed overhead per chunk. */
  get bytes(): number {
    return this.#segments.length * this.#segmentSamples * 8 + this.#entries.size * ENTRY_OVERHEAD_BYTES;
  }

  /** Chunks held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Lookups answered, and not, since creation. */
  get stats(): { hits: number; misses: number } {
    return { hits: this.#hits, misses: this.#misses };
  }

  /** The decoded samples of `chunk`, or undefined when not cached. */
  get(chunk: ChunkSource): CachedChunk | undefined {
    const entry = this.#entries.get(chunk);
    if (entry === undefined) this.#misses++;
    else this.#hits++;
    return entry;
  }

  /**
   * Decodes `chunk` (at most `capacity` samples) into the cache with `decode`, and returns it; undefined when
   * it cannot be kept (the cache is off or too small), and the caller decodes it itself. When `sameAs`, the
   * previous series' chunk of that position, has equal timestamps, they are kept once.
   */
  load(
    chunk: ChunkSource,
    capacity: number,
    decode: ChunkDecoder,
    sameAs?: CachedChunk,
  ): CachedChunk | undefined {
    if (2 * capacity > this.#segmentSamples) return undefined;
    const segment = this.#room(2 * capacity);
    if (segment === undefined) return undefined;
    // Values first, timestamps after them: equal timestamps are then given back by moving `fill` back.
    const vOffset = segment.fill;
    const tOffset = vOffset + capacity;
    const data = segment.data;
    const n = decode(
      data.subarray(tOffset, tOffset + capacity),
      segment.words.subarray(2 * vOffset, 2 * (vOffset + capacity)),
    );
    // Decoded at most `capacity` samples: close the gap so timestamps directly follow the values.
    if (n < capacity) data.copyWithin(vOffset + n, tOffset, tOffset + n);
    let entry: CachedChunk = { segment, tOffset: vOffset + n, vOffset, n };
    segment.fill = vOffset + 2 * n;
    if (sameAs !== undefined && sameAs.segment === segment && sameTimes(sameAs, entry)) {
      entry = { segment, tOffset: sameAs.tOffset, vOffset, n };
      segment.fill = vOffset + n;
    }
    segment.chunks.push(chunk);
    this.#entries.delete(chunk);
    this.#entries.set(chunk, entry);
    return entry;
  }

  /**
   * Forgets the chunks `isLive` rejects (blocks compacted or retained away, chunks cut from the head), so
   * neither they nor the block files they are views of stay reachable; segments left without a chunk go.
   */
  prune(isLive: (chunk: ChunkSource) => boolean): void {
    for (const chunk of this.#entries.keys()) if (!isLive(chunk)) this.#entries.delete(chunk);
    for (const segment of this.#segments) {
      segment.chunks = segment.chunks.filter((chunk) => this.#entries.get(chunk)?.segment === segment);
    }
    this.#segments = this.#segments.filter((segment) => segment.chunks.length > 0);
  }

  /** Empties the cache. */
  clear(): void {
    this.#entries.clear();
    this.#segments = [];
  }

  /** A segment with `samples` free slots, dropping the oldest segments to stay within the budget. */
  #room(samples: number): Segment | undefined {
    const last = this.#segments[this.#segments.length - 1];
    if (last !== undefined && last.fill + samples <= last.data.length) {
      if (this.bytes + ENTRY_OVERHEAD_BYTES <= this.maxBytes) return last;
    }
    const segmentBytes = this.#segmentSamples * 8;
    if (segmentBytes + ENTRY_OVERHEAD_BYTES > this.maxBytes || this.#segmentSamples === 0) return undefined;
    while (this.#segments.length > 0 && this.bytes + segmentBytes + ENTRY_OVERHEAD_BYTES > this.maxBytes) {
      this.#dropOldest();
    }
    const data = new Float64Array(this.#segmentSamples);
    const segment: Segment = { data, words: new Uint32Array(data.buffer), fill: 0, chunks: [] };
    this.#segments.push(segment);
    return segment;
  }

  #dropOldest(): void {
    const oldest = this.#segments.shift();
    if (oldest === undefined) return;
    for (const chunk of oldest.chunks) {
      if (this.#entries.get(chunk)?.segment === oldest) this.#entries.delete(chunk);
    }
  }
}

function sameTimes(a: CachedChunk, b: CachedChunk): boolean {
  if (a.n !== b.n) return false;
  const data = a.segment.data;
  for (let i = 0; i < a.n; i++) if (data[a.tOffset + i] !== data[b.tOffset + i]) return false;
  return true;
}
