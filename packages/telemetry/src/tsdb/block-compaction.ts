/**
 * Compaction planning and merging, as Prometheus does it: blocks of one aligned range of 3×, 9×, … the block
 * duration (up to a tenth of retention) are merged into one once that range is complete or newer data exists
 * past it. Fewer, bigger blocks mean fewer index lookups per query; chunks are copied, not re-encoded.
 */
import type { SeriesChunks } from './head.js';
import type { ChunkSource } from './head-series.js';

/** What planning needs of a block. */
export interface CompactionCandidate {
  readonly name: string;
  readonly minTime: number;
  readonly maxTime: number;
}

/** The ranges blocks are compacted to: 3^k × block duration for k ≥ 1, up to `maxRangeMs`. */
export function compactionRanges(blockDurationMs: number, maxRangeMs: number): number[] {
  const ranges: number[] = [];
  for (let range = blockDurationMs * 3; range <= maxRangeMs; range *= 3) ranges.push(range);
  return ranges;
}

/**
 * The blocks to merge next (sorted by time), or null. The newest block is never planned; a group needs at
 * least two blocks inside one aligned range, and must span that whole range or end before the newest planned
 * block starts (so a group is not merged while another block may still join it).
 */
export function planCompaction(
  blocks: readonly CompactionCandidate[],
  ranges: readonly number[],
): CompactionCandidate[] | null {
  if (blocks.length < 2) return null;
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  // The newest block stays out (Prometheus leaves a block's worth of time before merging fresh data).
  const candidates = sorted.slice(0, -1);
  const highTime = candidates[candidates.length - 1]!.minTime;
  for (const range of ranges) {
    const groups = new Map<number, CompactionCandidate[]>();
    for (const block of candidates) {
      const start = Math.floor(block.minTime / range) * range;
      if (block.maxTime > start + range) continue; // Already bigger than this range.
      const group = groups.get(start) ?? [];
      group.push(block);
      groups.set(start, group);
    }
    for (const [start, group] of groups) {
      if (group.length < 2) continue;
      const full = group[0]!.minTime === start && group[group.length - 1]!.maxTime === start + range;
      if (full || group[group.length - 1]!.maxTime <= highTime) return group;
    }
  }
  return null;
}

/** Merges the series of blocks (each sorted by key, blocks in time order) into one list sorted by key. */
export function mergeBlockSeries(blocks: ReadonlyArray<readonly SeriesChunks[]>): SeriesChunks[] {
  const byKey = new Map<string, { labels: SeriesChunks['labels']; chunks: ChunkSource[] }>();
  for (const series of blocks) {
    for (const entry of series) {
      const merged = byKey.get(entry.key);
      if (merged === undefined) byKey.set(entry.key, { labels: entry.labels, chunks: [...entry.chunks] });
      else merged.chunks.push(...entry.chunks);
    }
  }
  const keys = [...byKey.keys()].sort();
  return keys.map((key) => ({ key, ...byKey.get(key)! }));
}
