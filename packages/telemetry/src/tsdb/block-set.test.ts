import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsKey, type Labels } from '../model/labels.js';
import { compactionRanges, planCompaction } from './block-compaction.js';
import { CorruptBlockError } from './block-reader.js';
import { BlockSet } from './block-set.js';
import { writeBlock } from './block-writer.js';
import type { SeriesChunks } from './head.js';
import { blocksBeyondRetention } from './retention.js';
import { decodeSeries } from './series-merge.js';
import { XorChunkEncoder } from './xor-chunk.js';

const HOUR = 3_600_000;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsdb-blockset-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function series(labels: Labels, from: number, count: number): SeriesChunks {
  const encoder = new XorChunkEncoder();
  for (let i = 0; i < count; i++) encoder.append(from + i * 1000, i);
  return {
    labels,
    key: labelsKey(labels),
    chunks: [{ bytes: encoder.toBytes(), minT: from, maxT: from + (count - 1) * 1000, count }],
  };
}

describe('BlockSet', () => {
  it('drops the sources of a compaction that crashed before deleting them', async () => {
    const a = await writeBlock(dir, {
      minTime: 0,
      maxTime: HOUR,
      series: [series({ __name__: 'm' }, 0, 10)],
      level: 1,
      sources: [],
    });
    const b = await writeBlock(dir, {
      minTime: HOUR,
      maxTime: 2 * HOUR,
      series: [series({ __name__: 'm' }, HOUR, 10)],
      level: 1,
      sources: [],
    });
    await writeBlock(dir, {
      minTime: 0,
      maxTime: 2 * HOUR,
      series: [{ ...series({ __name__: 'm' }, 0, 10), chunks: [] }],
      level: 2,
      sources: [a, b],
    });
    const set = await BlockSet.open(dir);
    expect(set.blocks.map((block) => block.name)).toEqual([`0-${2 * HOUR}`]);
    expect(existsSync(join(dir, a))).toBe(false);
    expect(readdirSync(dir)).toEqual([`0-${2 * HOUR}`]);
  });

  it('round-trips series, postings and chunk bytes through a block', async () => {
    await writeBlock(dir, {
      minTime: 0,
      maxTime: HOUR,
      series: [series({ __name__: 'm', job: 'a' }, 0, 50), series({ __name__: 'm', job: 'b' }, 10, 5)],
      level: 1,
      sources: [],
    });
    const [block] = (await BlockSet.open(dir)).blocks;
    expect(block!.meta).toMatchObject({ numSeries: 2, numSamples: 55, numChunks: 2 });
    const [selected] = block!.select([{ name: 'job', type: '=~', value: 'b' }], 0, HOUR, false);
    const samples = decodeSeries(selected!.labels, selected!.chunks, 0, HOUR)!;
    expect(Array.from(samples.timestamps)).toEqual([10, 1010, 2010, 3010, 4010]);
    expect(Array.from(samples.values)).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a block whose index points outside its chunks file', async () => {
    const name = await writeBlock(dir, {
      minTime: 0,
      maxTime: HOUR,
      series: [series({ __name__: 'm' }, 0, 50)],
      level: 1,
      sources: [],
    });
    writeFileSync(join(dir, name, 'chunks'), 'OLCK\0\0\0\x01');
    await expect(BlockSet.open(dir)).rejects.toThrow(CorruptBlockError);
  });
});

describe('compaction planning', () => {
  const block = (h: number, hours = 1) => ({ name: `${h}`, minTime: h * HOUR, maxTime: (h + hours) * HOUR });

  it('uses ranges 3×, 9×, … up to the maximum', () => {
    expect(compactionRanges(2 * HOUR, 36 * HOUR)).toEqual([6 * HOUR, 18 * HOUR]);
  });

  it('merges a full aligned range, never the newest block, and waits while a range may still grow', () => {
    const ranges = [3 * HOUR, 9 * HOUR];
    expect(planCompaction([block(0), block(1), block(2)], ranges)).toBeNull(); // [2,3) is the newest.
    expect(planCompaction([block(0), block(1), block(2), block(3)], ranges)?.map((b) => b.name)).toEqual([
      '0',
      '1',
      '2',
    ]);
    // [3,4) and [4,5) end before the newest planned block starts: merged although not full.
    expect(
      planCompaction([block(0, 3), block(3), block(4), block(6), block(7)], ranges)?.map((b) => b.name),
    ).toEqual(['3', '4']);
    // Three 3 h blocks make a 9 h one.
    expect(
      planCompaction([block(0, 3), block(3, 3), block(6, 3), block(9)], ranges)?.map((b) => b.name),
    ).toEqual(['0', '3', '6']);
  });
});

describe('retention', () => {
  const b = (name: string, minTime: number, maxTime: number, diskBytes = 10) => ({
    name,
    minTime,
    maxTime,
    diskBytes,
  });

  it('deletes blocks entirely older than newest end minus retention', () => {
    const blocks = [b('a', 0, 2), b('b', 2, 4), b('c', 4, 6), b('d', 6, 8)];
    expect([...blocksBeyondRetention(blocks, 4)]).toEqual(['b', 'a']);
    expect([...blocksBeyondRetention(blocks, 5)]).toEqual(['a']);
    expect([...blocksBeyondRetention([], 5)]).toEqual([]);
  });

  it('deletes the oldest blocks beyond the byte budget but keeps the newest', () => {
    const blocks = [b('a', 0, 2, 10), b('b', 2, 4, 10), b('c', 4, 6, 10)];
    expect([...blocksBeyondRetention(blocks, 100, 25)]).toEqual(['a']);
    expect([...blocksBeyondRetention(blocks, 100, 5)]).toEqual(['b', 'a']);
  });
});
