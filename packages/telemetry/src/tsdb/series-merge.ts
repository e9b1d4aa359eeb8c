/**
 * Decodes a series' chunks (from the head and any blocks) into the samples of a time range, merging sources
 * that overlap and keeping the first sample of each timestamp. Values are copied as bits into a Float64Array,
 * never through a JS array, so NaN payloads (the staleness marker) come out exactly as stored.
 */
import type { Labels } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import type { ChunkSource } from './head-series.js';
import { decodeChunkInto } from './chunk-iterator.js';

/**
 * Decoding scratch, reused by every call (decoding is synchronous): each series is decoded here and copied
 * out at its exact size. Fresh buffers sized for the whole series cost more than the decoding itself — the
 * first write to each newly mapped page faults — and were then copied to their exact size anyway.
 */
let scratchT = new Float64Array(0);
let scratchV = new Float64Array(0);
/** Samples (per array) beyond which the scratch is not kept: 1 M samples, 8 MB. */
const MAX_KEPT_SCRATCH = 1 << 20;

/** Whether `a` holds the first `n` numbers of `b`, and no more. */
function sameTimestamps(a: ArrayLike<number>, b: Float64Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = n - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The samples of `chunks` within [minT, maxT] (inclusive), or null when there are none. When the timestamps
 * equal `sharedTimestamps` (series scraped together: every series of a target), that array is returned
 * instead of a copy — read-only, like every result.
 */
export function decodeSeries(
  labels: Labels,
  chunks: readonly ChunkSource[],
  minT: number,
  maxT: number,
  sharedTimestamps?: ArrayLike<number>,
): SeriesSamples | null {
  const sorted = chunks.length > 1 ? [...chunks].sort((a, b) => a.minT - b.minT) : chunks;
  let capacity = 0;
  for (const chunk of sorted) capacity += chunk.count;
  if (scratchT.length < capacity) {
    const t = new Float64Array(capacity);
    const v = new Float64Array(capacity);
    // Kept for the next series unless huge (a year-long series): then it is this call's alone.
    if (capacity <= MAX_KEPT_SCRATCH) [scratchT, scratchV] = [t, v];
    else return decodeInto(labels, sorted, minT, maxT, sharedTimestamps, t, v);
  }
  return decodeInto(labels, sorted, minT, maxT, sharedTimestamps, scratchT, scratchV);
}

function decodeInto(
  labels: Labels,
  sorted: readonly ChunkSource[],
  minT: number,
  maxT: number,
  sharedTimestamps: ArrayLike<number> | undefined,
  timestamps: Float64Array,
  values: Float64Array,
): SeriesSamples | null {
  const words = new Uint32Array(values.buffer);
  let n = 0;
  let ordered = true;
  for (const chunk of sorted) {
    const before = n;
    n = decodeChunkInto(chunk.bytes, chunk.count, minT, maxT, timestamps, words, n);
    // Samples inside one chunk strictly increase: only a chunk's first sample can step back.
    if (before > 0 && n > before && timestamps[before]! <= timestamps[before - 1]!) ordered = false;
  }
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
