/** One series in the head: its closed chunks, the open chunk being appended to, and its last sample. */
import type { Labels } from '../model/labels.js';
import { OutOfOrderSampleError } from '../model/series-store.js';
import { recodeChunk } from './chunk-recode.js';
import { MAX_SAMPLES_PER_CHUNK, XorChunkEncoder } from './xor-chunk.js';

/** An encoded chunk with its time range (both bounds inclusive). */
export interface ChunkSource {
  readonly bytes: Uint8Array;
  readonly minT: number;
  readonly maxT: number;
  readonly count: number;
  /** Whether `bytes` never change (block and closed head chunks; not the open one), so decoding can be cached. */
  readonly immutable?: boolean;
}

/** Initial bytes of an open chunk: 120 scraped samples usually take 150–250 bytes. */
const OPEN_CHUNK_CAPACITY = 128;

/** A series held in memory. Chunks never straddle a multiple of the block duration, so blocks cut whole chunks. */
export class MemSeries {
  /** Closed chunks, oldest first. */
  readonly closed: ChunkSource[] = [];
  #open: XorChunkEncoder | null = null;
  /** The first block boundary after the open chunk's first sample: a sample at or past it opens a new chunk. */
  #openEnd = 0;
  #lastT = -Infinity;
  #lastHi = 0;
  #lastLo = 0;

  /**
   * @param id the head's series id (stable in the WAL)
   * @param labels normalised labels
   * @param key their {@link labelsKey}
   */
  constructor(
    readonly id: number,
    readonly labels: Labels,
    readonly key: string,
  ) {}

  /** Timestamp of the newest sample (−Infinity before the first). */
  get lastT(): number {
    return this.#lastT;
  }

  /** Whether the series holds no chunk (closed or open). */
  get isEmpty(): boolean {
    return this.closed.length === 0 && this.#open === null;
  }

  /**
   * Appends a sample given as its float64 bits; false when it repeats the last sample exactly (same timestamp,
   * same bits: ignored, as Prometheus does). Throws OutOfOrderSampleError for an older timestamp or the same
   * timestamp with other bits. The caller validated the timestamp itself.
   */
  appendBits(t: number, hi: number, lo: number, blockDurationMs: number): boolean {
    if (t <= this.#lastT) {
      if (t === this.#lastT && hi >>> 0 === this.#lastHi && lo >>> 0 === this.#lastLo) {
        return false;
      }
      throw new OutOfOrderSampleError(
        t === this.#lastT
          ? `duplicate sample for timestamp ${t} with a different value in series ${this.key}`
          : `out-of-order sample: timestamp ${t} is before ${this.#lastT}, the newest of series ${this.key}`,
      );
    }
    let open = this.#open;
    if (open === null || open.count >= MAX_SAMPLES_PER_CHUNK || t >= this.#openEnd) {
      this.closeOpenChunk();
      open = new XorChunkEncoder(OPEN_CHUNK_CAPACITY);
      this.#open = open;
      this.#openEnd = Math.floor(t / blockDurationMs) * blockDurationMs + blockDurationMs;
    }
    open.appendBits(t, hi, lo);
    this.#lastT = t;
    this.#lastHi = hi >>> 0;
    this.#lastLo = lo >>> 0;
    return true;
  }

  /**
   * Moves the open chunk (if any) to the closed list, re-encoded as a packed chunk when that is smaller (the
   * open chunk is XOR so appends stay cheap; a closed chunk no longer grows, so it is worth packing once).
   */
  closeOpenChunk(): void {
    const open = this.#open;
    if (open === null) return;
    const bytes = recodeChunk(open.view(), open.count);
    this.closed.push({ bytes, minT: open.minT, maxT: open.maxT, count: open.count, immutable: true });
    this.#open = null;
  }

  /** The open chunk as a source (its bytes are a view, valid until the next append), or null. */
  openChunk(): ChunkSource | null {
    const open = this.#open;
    if (open === null) return null;
    return { bytes: open.view(), minT: open.minT, maxT: open.maxT, count: open.count, immutable: false };
  }

  /** Minimum time of the open chunk, or +Infinity. */
  get openMinT(): number {
    return this.#open === null ? Infinity : this.#open.minT;
  }

  /** Every chunk, oldest first (the open one last). */
  chunks(): ChunkSource[] {
    const open = this.openChunk();
    return open === null ? this.closed.slice() : [...this.closed, open];
  }

  /** Bytes held by chunks. */
  chunkBytes(): number {
    let bytes = this.#open?.byteLength ?? 0;
    for (const chunk of this.closed) bytes += chunk.bytes.length;
    return bytes;
  }
}
