/**
 * The blocks of a database directory: loaded at open (debris of interrupted writes and deletions removed,
 * sources of a finished compaction dropped), added after a cut, merged by compaction, deleted by retention.
 */
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Block } from './block-reader.js';
import { DELETING_SUFFIX, TMP_SUFFIX, isBlockName } from './block-format.js';
import { compactionRanges, mergeBlockSeries, planCompaction } from './block-compaction.js';
import { writeBlock, type BlockContent } from './block-writer.js';
import { fsyncDirectory, removePath } from './fs-durable.js';
import { blocksBeyondRetention } from './retention.js';

/** The loaded blocks, sorted by minTime. */
export class BlockSet {
  readonly #dir: string;
  #blocks: Block[] = [];

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** Loads every complete block of `dir` (the `blocks/` directory, created when missing). */
  static async open(dir: string): Promise<BlockSet> {
    const set = new BlockSet(dir);
    await mkdir(dir, { recursive: true });
    const names: string[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.endsWith(TMP_SUFFIX) || entry.name.endsWith(DELETING_SUFFIX)) {
        await removePath(join(dir, entry.name));
      } else if (isBlockName(entry.name)) {
        names.push(entry.name);
      }
    }
    const blocks = await Promise.all(names.map((name) => Block.load(dir, name)));
    // A compaction that crashed after writing its output but before deleting its sources.
    const merged = new Set(blocks.flatMap((b) => b.meta.compaction.sources));
    set.#blocks = blocks.filter((b) => !merged.has(b.name));
    set.#sort();
    for (const block of blocks) if (merged.has(block.name)) await set.#deleteDir(block.name);
    return set;
  }

  /** The blocks, oldest first. */
  get blocks(): readonly Block[] {
    return this.#blocks;
  }

  /** End of the newest block's range (exclusive), or −Infinity. */
  get maxTime(): number {
    let max = -Infinity;
    for (const block of this.#blocks) if (block.meta.maxTime > max) max = block.meta.maxTime;
    return max;
  }

  /** Writes a block and makes it visible. */
  async add(content: BlockContent): Promise<Block> {
    const name = await writeBlock(this.#dir, content);
    const block = await Block.load(this.#dir, name);
    this.#blocks = [...this.#blocks, block];
    this.#sort();
    return block;
  }

  /** Merges blocks while the plan finds a group (see block-compaction.ts); returns the number of merges. */
  async compact(blockDurationMs: number, maxRangeMs: number): Promise<number> {
    const ranges = compactionRanges(blockDurationMs, maxRangeMs);
    let merges = 0;
    for (;;) {
      const plan = planCompaction(
        this.#blocks.map((b) => ({ name: b.name, minTime: b.meta.minTime, maxTime: b.meta.maxTime })),
        ranges,
      );
      if (plan === null) return merges;
      const sources = plan.map((p) => this.#blocks.find((b) => b.name === p.name)!);
      const name = await writeBlock(this.#dir, {
        minTime: sources[0]!.meta.minTime,
        maxTime: sources[sources.length - 1]!.meta.maxTime,
        series: mergeBlockSeries(sources.map((b) => b.allSeries())),
        level: Math.max(...sources.map((b) => b.meta.compaction.level)) + 1,
        sources: sources.map((b) => b.name),
      });
      const merged = await Block.load(this.#dir, name);
      this.#blocks = [...this.#blocks.filter((b) => !sources.includes(b)), merged];
      this.#sort();
      for (const source of sources) await this.#deleteDir(source.name);
      merges++;
    }
  }

  /** Deletes the blocks beyond retention; returns their names. */
  async applyRetention(retentionMs: number, retentionBytes: number | undefined): Promise<string[]> {
    const doomed = blocksBeyondRetention(
      this.#blocks.map((b) => ({
        name: b.name,
        minTime: b.meta.minTime,
        maxTime: b.meta.maxTime,
        diskBytes: b.diskBytes,
      })),
      retentionMs,
      retentionBytes,
    );
    if (doomed.size === 0) return [];
    this.#blocks = this.#blocks.filter((b) => !doomed.has(b.name));
    for (const name of doomed) await this.#deleteDir(name);
    return [...doomed];
  }

  /** Renames first so a crash mid-way never leaves a partial block that looks complete. */
  async #deleteDir(name: string): Promise<void> {
    const doomed = join(this.#dir, name + DELETING_SUFFIX);
    await rename(join(this.#dir, name), doomed);
    await fsyncDirectory(this.#dir);
    await removePath(doomed);
  }

  #sort(): void {
    this.#blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
  }
}
