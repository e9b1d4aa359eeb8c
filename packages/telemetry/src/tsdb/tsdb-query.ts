/** Queries across the head and the blocks: every source selects its chunks, merged per series by key. */
import type { LabelMatcher, Labels } from '../model/labels.js';
import type { SeriesSamples } from '../model/series-store.js';
import type { SeriesChunks } from './head.js';
import type { ChunkSource } from './head-series.js';
import type { DecodedChunkCache } from './decoded-chunk-cache.js';
import { DecodeContext, decodeSeries } from './series-merge.js';
import { chunkIterator } from './chunk-iterator.js';

/** A head or a block, as queries see it. */
export interface ChunkSelector {
  select(matchers: readonly LabelMatcher[], minT: number, maxT: number, allowEmpty: boolean): SeriesChunks[];
}

/** Series of every source, merged by key and sorted by it. */
function gather(
  sources: readonly ChunkSelector[],
  matchers: readonly LabelMatcher[],
  minT: number,
  maxT: number,
  allowEmpty: boolean,
): SeriesChunks[] {
  const byKey = new Map<string, { labels: Labels; chunks: ChunkSource[] }>();
  for (const source of sources) {
    for (const series of source.select(matchers, minT, maxT, allowEmpty)) {
      const entry = byKey.get(series.key);
      if (entry === undefined) byKey.set(series.key, { labels: series.labels, chunks: series.chunks });
      else entry.chunks = [...entry.chunks, ...series.chunks];
    }
  }
  const keys = [...byKey.keys()].sort();
  return keys.map((key) => ({ key, ...byKey.get(key)! }));
}

/**
 * The samples in [minT, maxT] of the series matching `matchers`, sorted by labelsKey. Throws
 * EmptySelectorError when every matcher matches the empty string. Immutable chunks go through `cache` when
 * given.
 */
export function selectSamples(
  sources: readonly ChunkSelector[],
  matchers: readonly LabelMatcher[],
  minT: number,
  maxT: number,
  cache?: DecodedChunkCache,
): SeriesSamples[] {
  const out: SeriesSamples[] = [];
  const context = new DecodeContext(cache);
  for (const series of gather(sources, matchers, minT, maxT, false)) {
    // Series next to each other in key order are often one target's, scraped at the same instants.
    const shared = out[out.length - 1]?.timestamps;
    const samples = decodeSeries(series.labels, series.chunks, minT, maxT, shared, context);
    if (samples !== null) out.push(samples);
  }
  return out;
}

/** Whether a chunk holds a sample in [minT, maxT] (decoding only when the range falls inside the chunk). */
function chunkHasSampleIn(chunk: ChunkSource, minT: number, maxT: number): boolean {
  if (chunk.maxT < minT || chunk.minT > maxT) return false;
  if (chunk.minT >= minT || chunk.maxT <= maxT) return true;
  const it = chunkIterator(chunk.bytes);
  for (let i = 0; i < chunk.count && it.next(); i++) {
    if (it.t > maxT) return false;
    if (it.t >= minT) return true;
  }
  return false;
}

/** Label sets of the series matching `matchers` (all series when empty) with a sample in [minT, maxT]. */
export function matchingLabelSets(
  sources: readonly ChunkSelector[],
  matchers: readonly LabelMatcher[],
  minT: number,
  maxT: number,
): Labels[] {
  const out: Labels[] = [];
  for (const series of gather(sources, matchers, minT, maxT, true)) {
    if (series.chunks.some((chunk) => chunkHasSampleIn(chunk, minT, maxT))) out.push(series.labels);
  }
  return out;
}
