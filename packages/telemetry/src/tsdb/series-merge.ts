/**
 * Decodes a series' chunks (from the head and any blocks) into the samples of a time range, merging sources
 * that overlap and keeping the first sample of each timestamp. Values are copied as bits into a Float64Array,
 * never through a JS array, so NaN payloads (the staleness marker) come out exactly as stored.
 */
import type { Labels } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import { HI_WORD, LO_WORD } from './float-bits.js';
import type { ChunkSource } from './head-series.js';
import { XorChunkIterator } from './xor-chunk-iterator.js';

/** The samples of `chunks` within [minT, maxT] (inclusive), or null when there are none. */
export function decodeSeries(
  labels: Labels,
  chunks: readonly ChunkSource[],
  minT: number,
  maxT: number,
): SeriesSamples | null {
  const sorted = chunks.length > 1 ? [...chunks].sort((a, b) => a.minT - b.minT) : chunks;
  let capacity = 0;
  for (const chunk of sorted) capacity += chunk.count;
  const timestamps = new Float64Array(capacity);
  const values = new Float64Array(capacity);
  const words = new Uint32Array(values.buffer);
  let n = 0;
  let ordered = true;
  for (const chunk of sorted) {
    const it = new XorChunkIterator(chunk.bytes);
    // The head's open chunk may have grown past `count` since it was selected: stop at `count`.
    for (let i = 0; i < chunk.count && it.next(); i++) {
      const t = it.t;
      if (t < minT) continue;
      if (t > maxT) break;
      if (n > 0 && t <= timestamps[n - 1]!) ordered = false;
      timestamps[n] = t;
      words[2 * n + HI_WORD] = it.hi;
      words[2 * n + LO_WORD] = it.lo;
      n++;
    }
  }
  if (n === 0) return null;
  if (!ordered) return mergeOverlaps(labels, timestamps.subarray(0, n), words);
  return {
    labels,
    timestamps: n === capacity ? timestamps : timestamps.slice(0, n),
    values: n === capacity ? values : values.slice(0, n),
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
