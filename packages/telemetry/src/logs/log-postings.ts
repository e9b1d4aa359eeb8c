/**
 * Postings: where a stream's entries sit in one segment. A chunk is a time-sorted, append-only run of
 * (time, offset, length) kept in typed arrays: 20 bytes per entry, no object per entry. Entries that arrive
 * out of order start or join another chunk of the same stream, so chunks never need re-sorting and a query
 * can read them while appends go on (it captures each chunk's length when it starts: a snapshot).
 */

const INITIAL_CAPACITY = 16;

/** A time-sorted run of one stream's entries in one segment. */
export class PostingChunk {
  #count = 0;
  #ms: Float64Array;
  #sub: Uint32Array;
  #off: Uint32Array;
  #len: Uint32Array;

  constructor(capacity = INITIAL_CAPACITY) {
    this.#ms = new Float64Array(capacity);
    this.#sub = new Uint32Array(capacity);
    this.#off = new Uint32Array(capacity);
    this.#len = new Uint32Array(capacity);
  }

  /** Number of entries. */
  get count(): number {
    return this.#count;
  }

  /** Bytes of memory held by the arrays. */
  get memoryBytes(): number {
    return this.#ms.length * 20;
  }

  /** Whether an entry at (ms, sub) keeps the chunk sorted (ties keep arrival order). */
  accepts(ms: number, sub: number): boolean {
    if (this.#count === 0) return true;
    const last = this.#count - 1;
    const lastMs = this.#ms[last]!;
    return ms > lastMs || (ms === lastMs && sub >= this.#sub[last]!);
  }

  /** Appends an entry; the caller checked {@link PostingChunk.accepts}. */
  push(ms: number, sub: number, offset: number, length: number): void {
    if (this.#count === this.#ms.length) this.#resize(this.#count * 2);
    const i = this.#count++;
    this.#ms[i] = ms;
    this.#sub[i] = sub;
    this.#off[i] = offset;
    this.#len[i] = length;
  }

  /** Releases unused capacity (segments are trimmed when they are sealed). */
  trim(): void {
    if (this.#ms.length > this.#count) this.#resize(Math.max(this.#count, 1));
  }

  /** Milliseconds of entry `i`. */
  msAt(i: number): number {
    return this.#ms[i]!;
  }

  /** Nanoseconds within the millisecond of entry `i`. */
  subAt(i: number): number {
    return this.#sub[i]!;
  }

  /** Byte offset of entry `i`'s record in its segment. */
  offsetAt(i: number): number {
    return this.#off[i]!;
  }

  /** Byte length of entry `i`'s record (header included). */
  lengthAt(i: number): number {
    return this.#len[i]!;
  }

  /** Index of the first entry at or after (ms, sub), among the first `count` entries. */
  lowerBound(ms: number, sub: number, count = this.#count): number {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const midMs = this.#ms[mid]!;
      if (midMs < ms || (midMs === ms && this.#sub[mid]! < sub)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #resize(capacity: number): void {
    const ms = new Float64Array(capacity);
    const sub = new Uint32Array(capacity);
    const off = new Uint32Array(capacity);
    const len = new Uint32Array(capacity);
    ms.set(this.#ms.subarray(0, this.#count));
    sub.set(this.#sub.subarray(0, this.#count));
    off.set(this.#off.subarray(0, this.#count));
    len.set(this.#len.subarray(0, this.#count));
    this.#ms = ms;
    this.#sub = sub;
    this.#off = off;
    this.#len = len;
  }
}

/** How many chunks of one stream in one segment are tried before an out-of-order entry opens a new one. */
const CHUNKS_TRIED = 4;

/** Adds an entry to a stream's chunks in one segment, keeping each chunk sorted (opens a chunk if needed). */
export function addPosting(
  chunks: PostingChunk[],
  ms: number,
  sub: number,
  offset: number,
  length: number,
): void {
  for (let i = chunks.length - 1; i >= Math.max(0, chunks.length - CHUNKS_TRIED); i--) {
    const chunk = chunks[i]!;
    if (chunk.accepts(ms, sub)) {
      chunk.push(ms, sub, offset, length);
      return;
    }
  }
  const chunk = new PostingChunk();
  chunk.push(ms, sub, offset, length);
  chunks.push(chunk);
}
