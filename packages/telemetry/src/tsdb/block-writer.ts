/** Writes an immutable block directory atomically (see block-format.ts). */
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { PostingsIndex } from './postings.js';
import { BLOCK_VERSION, CHUNKS_MAGIC, TMP_SUFFIX, blockName } from './block-format.js';
import type { BlockIndexFile, BlockMeta, ChunkRef } from './block-format.js';
import { fsyncDirectory, removePath, writeFileDurably } from './fs-durable.js';
import type { SeriesChunks } from './head.js';

/** What a block is made of. */
export interface BlockContent {
  /** First millisecond covered (inclusive). */
  readonly minTime: number;
  /** End of the range (exclusive). */
  readonly maxTime: number;
  /** Series sorted by key, each with its chunks in time order (all inside the range). */
  readonly series: readonly SeriesChunks[];
  readonly level: number;
  readonly sources: readonly string[];
}

/**
 * Writes `content` as `<blocksDir>/<minTime>-<maxTime>/` through a temporary directory and a rename, and
 * returns the directory name. The chunk bytes are copied as they are (no re-encoding).
 */
export async function writeBlock(blocksDir: string, content: BlockContent): Promise<string> {
  const name = blockName(content.minTime, content.maxTime);
  const tmp = join(blocksDir, name + TMP_SUFFIX);
  await removePath(tmp);
  await mkdir(tmp, { recursive: true });

  const parts: Uint8Array[] = [CHUNKS_MAGIC];
  let offset = CHUNKS_MAGIC.length;
  let numSamples = 0;
  let numChunks = 0;
  const postings = new PostingsIndex();
  const series: BlockIndexFile['series'][number][] = [];
  content.series.forEach((entry, id) => {
    const refs: ChunkRef[] = [];
    for (const chunk of entry.chunks) {
      refs.push([offset, chunk.bytes.length, chunk.minT, chunk.maxT, chunk.count]);
      parts.push(chunk.bytes);
      offset += chunk.bytes.length;
      numSamples += chunk.count;
      numChunks++;
    }
    postings.add(id, entry.labels);
    series.push({ labels: entry.labels, chunks: refs });
  });
  const index: BlockIndexFile = { version: BLOCK_VERSION, series, postings: postings.toData() };
  const meta: BlockMeta = {
    version: BLOCK_VERSION,
    minTime: content.minTime,
    maxTime: content.maxTime,
    numSeries: series.length,
    numSamples,
    numChunks,
    compaction: { level: content.level, sources: [...content.sources] },
  };
  await writeFileDurably(join(tmp, 'chunks'), Buffer.concat(parts));
  await writeFileDurably(join(tmp, 'index.json'), JSON.stringify(index));
  await writeFileDurably(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await fsyncDirectory(tmp);
  await rename(tmp, join(blocksDir, name));
  await fsyncDirectory(blocksDir);
  return name;
}
