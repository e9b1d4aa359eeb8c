/**
 * Decodes a series' chunks (from the head and any blocks) into the samples of a time range, merging sources
 * that overlap and keeping the first sample of each timestamp. Values are copied as bits into a Float64Array,
 * never through a JS array, so NaN payloads (the staleness marker) come out exactly as stored.
 */
import type { Labels } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import type { ChunkSource } from './head-series.js';
import { chunkHeaderCount, decodeChunkInto } from './chunk-iterator.js';
import type { CachedChunk, DecodedChunkCache } from './decoded-chunk-cache.js';

/**
 * Decoding scratch, reused by every call (decoding is synchronous): each series is decoded here and copied
 * out at its exact size. Fresh buffers sized for the whole series cost more than the decoding itself — the
 * first write to each newly mapped page faults — and were then copied to their exact size anyway.
 */
let scratchT: Float64Array = new Float64Array(0);
let scratchV: Float64Array = new Float64Array(0);
/** Samples (per array) beyond which the scratch is not kept: 1 M samples, 8 MB. */
const MAX_KEPT_SCRATCH = 1 << 20;

/** Whether `a` holds the first `n` numbers of `b`, and no more. */
function sameTimestamps(a: ArrayLike<number>, b: Float64Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** Shared state of the series decoded by one select, in key order. */
export class DecodeContext {
  /**
   * Cached chunks of the previous series, by position in its time-ordered chunks (filled in by every call):
   * series scraped together have chunks of the same timestamps at the same positions, kept once by the cache.
   */
  previous: (CachedChunk | undefined)[] = [];

  /** `cache`: where immutable chunks are read from (and added to) instead of decoded, if anywhere. */
  constructor(readonly cache: DecodedChunkCache | undefined) {}
}

/**
 * The samples of `chunks` within [minT, maxT] (inclusive), or null when there are none. When the timestamps
 * equal `sharedTimestamps` (series scraped together: every series of a target), that array is returned
 * instead of a copy — read-only, like every result. With a `context` (one per select), immutable chunks are
 * read through its cache.
 */
export function decodeSeries(
  labels: Labels,
  chunks: readonly ChunkSource[],
  minT: number,
  maxT: number,
  sharedTimestamps?: ArrayLike<number>,
  context?: DecodeContext,
): SeriesSamples | null {
  const sorted = chunks.length > 1 ? [...chunks].sort((a, b) => a.minT - b.minT) : chunks;
  let capacity = 0;
  for (const chunk of sorted) capacity += chunk.count;
  // Scratch grown here is kept for the next series unless huge (a year-long series): then it is this call's.
  let timestamps = scratchT;
  if (timestamps.length < capacity) {
    timestamps = new Float64Array(capacity);
    if (capacity <= MAX_KEPT_SCRATCH) scratchT = timestamps;
  }
  let values = scratchV;
  if (values.length < capacity) {
    values = new Float64Array(capacity);
    if (capacity <= MAX_KEPT_SCRATCH) scratchV = values;
  }
  return decodeInto(labels, sorted, minT, maxT, sharedTimestamps, timestamps, values, context);
}

/** A chunk's decoded samples from the cache, decoding and adding them on a miss (undefined: not cacheable). */
function cachedChunk(
  chunk: ChunkSource,
  cache: DecodedChunkCache,
  previous: (CachedChunk | undefined)[],
  position: number,
  seen: (CachedChunk | undefined)[],
): CachedChunk | undefined {
  let entry = cache.get(chunk);
  if (entry === undefined) {
    const capacity = Math.min(chunk.count, chunkHeaderCount(chunk.bytes));
    entry = cache.load(
      chunk,
      capacity,
      (t, words) => decodeChunkInto(chunk.bytes, capacity, -Infinity, Infinity, t, words, 0),
      previous[position],
    );
  }
  seen[position] = entry;
  return entry;
}

/** Copies a cached chunk's samples in [minT, maxT] to `outT`/`outV` from index `n`; returns the next index. */
function copyCached(
  entry: CachedChunk,
  minT: number,
  maxT: number,
  outT: Float64Array,
  outV: Float64Array,
  n: number,
): number {
  const data = entry.segment.data;
  const t0 = entry.tOffset;
  let from = 0;
  let to = entry.n;
  while (from < to && data[t0 + from]! < minT) from++;
  while (to > from && data[t0 + to - 1]! > maxT) to--;
  if (to === from) return n;
  outT.set(data.subarray(t0 + from, t0 + to), n);
  // A same-type copy moves the bytes: every bit is kept, NaN payloads included.
  outV.set(data.subarray(entry.vOffset + from, entry.vOffset + to), n);
  return n + to - from;
}

function decodeInto(
  labels: Labels,
  sorted: readonly ChunkSource[],
  minT: number,
  maxT: number,
  sharedTimestamps: ArrayLike<number> | undefined,
  timestamps: Float64Array,
  values: Float64Array,
  context: DecodeContext | undefined,
): SeriesSamples | null {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const cache = context?.cache !== undefined && context.cache.maxBytes > 0 ? context.cache : undefined;
  const previous = context?.previous ?? [];
  const seen: (CachedChunk | undefined)[] = [];
  let n = 0;
  let ordered = true;
  for (let position = 0; position < sorted.length; position++) {
    const chunk = sorted[position]!;
    const before = n;
    const cached = cache !== undefined && chunk.immutable === true;
    const entry = cached ? cachedChunk(chunk, cache, previous, position, seen) : undefined;
    if (entry !== undefined) n = copyCached(entry, minT, maxT, timestamps, values, n);
    else n = decodeChunkInto(chunk.bytes, chunk.count, minT, maxT, timestamps, words, n);
    // Samples inside one chunk strictly increase: only a chunk's first sample can step back.
    if (before > 0 && n > before && timestamps[before]! <= timestamps[before - 1]!) ordered = false;
  }
  if (context !== undefined) context.previous = seen;
  if (n === 0) return null;
  if (!ordered) return mergeOverlaps(labels, timestamps.subarray(0, n), words);
  // Fresh memory is what a large select pays for most: sharing timestamps nearly halves it.
  const shared = sharedTimestamps !== undefined && sameTimestamps(sharedTimestamps, timestamps, n);
  return {
    labels,
    timestamps: shared ? sharedTimestamps : timestamps.slice(0, n),
    values: values.slice(0, n),
  };
}

/** Sorts samples by time (stable) and drops repeated timestamps, keeping the first. */
function mergeOverlaps(labels: Labels, timestamps: Float64Array, words: Uint32Array): SeriesSamples {
  const order = Array.from(timestamps.keys()).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
  const outT = new Float64Array(order.length);
  const outV = new Float64Array(order.length);
  const outWords = new Uint32Array(outV.buffer);
  let n = 0;
  for (const i of order) {
    const t = timestamps[i]!;
    if (n > 0 && outT[n - 1] === t) continue;
    outT[n] = t;
    outWords[2 * n] = words[2 * i]!;
    outWords[2 * n + 1] = words[2 * i + 1]!;
    n++;
  }
  return { labels, timestamps: outT.slice(0, n), values: outV.slice(0, n) };
}
