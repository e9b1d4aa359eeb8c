/** A block loaded from disk: its meta, series, postings and chunk bytes (kept in memory, compressed). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelMatcher, Labels } from '../model/labels.js';
import { labelsKey } from '../model/labels.js';
import { CHUNKS_MAGIC, READABLE_BLOCK_VERSIONS, chunksMagic } from './block-format.js';
import type { BlockIndexFile, BlockMeta } from './block-format.js';
import type { SeriesChunks } from './head.js';
import type { ChunkSource } from './head-series.js';
import { PostingsIndex } from './postings.js';

/** A block that cannot be read as written. */
export class CorruptBlockError extends Error {
  override readonly name = 'CorruptBlockError';
}

interface BlockSeries {
  readonly labels: Labels;
  readonly key: string;
  readonly chunks: ChunkSource[];
}

function isFiniteInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** An immutable block, queryable like the head. */
export class Block {
  readonly #series: BlockSeries[];

  private constructor(
    /** Directory name inside `blocks/`. */
    readonly name: string,
    readonly meta: BlockMeta,
    series: BlockSeries[],
    /** Postings over the series' positions. */
    readonly index: PostingsIndex,
    /** Bytes of the block's files. */
    readonly diskBytes: number,
    /** Bytes of chunk data held in memory. */
    readonly chunkBytes: number,
  ) {
    this.#series = series;
  }

  /** Reads the block in `<blocksDir>/<name>`; throws {@link CorruptBlockError} when its files disagree. */
  static async load(blocksDir: string, name: string): Promise<Block> {
    const dir = join(blocksDir, name);
    const fail = (why: string): never => {
      throw new CorruptBlockError(`block ${dir}: ${why}`);
    };
    let meta: BlockMeta;
    let index: BlockIndexFile;
    let metaText: string;
    let indexText: string;
    let chunks: Buffer;
    try {
      metaText = await readFile(join(dir, 'meta.json'), 'utf8');
      indexText = await readFile(join(dir, 'index.json'), 'utf8');
      chunks = await readFile(join(dir, 'chunks'));
      meta = JSON.parse(metaText) as BlockMeta;
      index = JSON.parse(indexText) as BlockIndexFile;
    } catch (error) {
      return fail(`unreadable (${(error as Error).message})`);
    }
    if (!READABLE_BLOCK_VERSIONS.includes(meta.version) || index.version !== meta.version) {
      fail('unknown format version');
    }
    if (!isFiniteInteger(meta.minTime) || !isFiniteInteger(meta.maxTime) || meta.maxTime <= meta.minTime) {
      fail('bad time range in meta.json');
    }
    if (!Array.isArray(index.series) || typeof index.postings !== 'object' || index.postings === null) {
      fail('bad index.json');
    }
    if (
      chunks.length < CHUNKS_MAGIC.length ||
      !chunks.subarray(0, CHUNKS_MAGIC.length).equals(chunksMagic(meta.version))
    ) {
      fail('chunks file has no magic header');
    }
    const series: BlockSeries[] = index.series.map((entry) => ({
      labels: entry.labels,
      key: labelsKey(entry.labels),
      chunks: entry.chunks.map(([offset, length, minT, maxT, count]): ChunkSource => {
        if (!isFiniteInteger(offset) || !isFiniteInteger(length) || offset + length > chunks.length) {
          fail('chunk reference outside the chunks file');
        }
        return { bytes: chunks.subarray(offset, offset + length), minT, maxT, count, immutable: true };
      }),
    }));
    const ids = series.map((_, i) => i);
    const diskBytes = Buffer.byteLength(metaText) + Buffer.byteLength(indexText) + chunks.length;
    const postings = PostingsIndex.fromData(index.postings, ids);
    return new Block(name, meta, series, postings, diskBytes, chunks.length - CHUNKS_MAGIC.length);
  }

  /** Every series, sorted by key, with all its chunks (for compaction). */
  allSeries(): SeriesChunks[] {
    return this.#series;
  }

  /** Chunks overlapping [minT, maxT] of the series matching `matchers`, in key order. */
  select(matchers: readonly LabelMatcher[], minT: number, maxT: number, allowEmpty: boolean): SeriesChunks[] {
    if (maxT < this.meta.minTime || minT >= this.meta.maxTime) return [];
    const out: SeriesChunks[] = [];
    for (const id of this.index.select(matchers, allowEmpty)) {
      const series = this.#series[id]!;
      const chunks = series.chunks.filter((chunk) => chunk.maxT >= minT && chunk.minT <= maxT);
      if (chunks.length > 0) out.push({ labels: series.labels, key: series.key, chunks });
    }
    return out;
  }
}
