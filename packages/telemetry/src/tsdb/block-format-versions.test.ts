import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsKey, type Labels } from '../model/labels.js';
import { BLOCK_VERSION, chunksMagic } from './block-format.js';
import { CorruptBlockError } from './block-reader.js';
import { BlockSet } from './block-set.js';
import { writeBlock } from './block-writer.js';
import { isPackedChunk } from './chunk-iterator.js';
import { recodeChunk } from './chunk-recode.js';
import type { SeriesChunks } from './head.js';
import { decodeSeries } from './series-merge.js';
import { XorChunkEncoder } from './xor-chunk.js';

const HOUR = 3_600_000;
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsdb-versions-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A series of one chunk: `count` samples of a counter from `from`, every second; XOR or packed. */
function series(labels: Labels, from: number, count: number, packed: boolean): SeriesChunks {
  const encoder = new XorChunkEncoder();
  for (let i = 0; i < count; i++) encoder.append(from + i * 1000, 100 + i * 3);
  const bytes = packed ? recodeChunk(encoder.view(), count) : encoder.toBytes();
  return {
    labels,
    key: labelsKey(labels),
    chunks: [{ bytes, minT: from, maxT: from + (count - 1) * 1000, count }],
  };
}

/** Rewrites a block written now as one of format `version` (meta, index and chunks magic). */
function setVersion(name: string, version: number, magicVersion = version): void {
  for (const file of ['meta.json', 'index.json']) {
    const path = join(dir, name, file);
    const json = JSON.parse(readFileSync(path, 'utf8')) as { version: number };
    writeFileSync(path, JSON.stringify({ ...json, version }));
  }
  const chunksPath = join(dir, name, 'chunks');
  const chunks = readFileSync(chunksPath);
  chunks.set(chunksMagic(magicVersion), 0);
  writeFileSync(chunksPath, chunks);
}

function samplesOf(set: BlockSet): number[][] {
  const out: number[][] = [];
  for (const block of set.blocks) {
    for (const s of block.select([{ name: '__name__', type: '=', value: 'm' }], 0, 10 * HOUR, false)) {
      const samples = decodeSeries(s.labels, s.chunks, 0, 10 * HOUR)!;
      out.push(Array.from(samples.values));
    }
  }
  return out;
}

describe('block format versions', () => {
  it('writes version 2 blocks whose chunks may be packed, and reads them back', async () => {
    await writeBlock(dir, {
      minTime: 0,
      maxTime: HOUR,
      series: [
        series({ __name__: 'm', k: 'a' }, 0, 120, true),
        series({ __name__: 'm', k: 'b' }, 0, 5, false),
      ],
      level: 1,
      sources: [],
    });
    const set = await BlockSet.open(dir);
    const [block] = set.blocks;
    expect(BLOCK_VERSION).toBe(2);
    expect(block!.meta.version).toBe(2);
    const [a] = block!.select([{ name: 'k', type: '=', value: 'a' }], 0, HOUR, false);
    expect(isPackedChunk(a!.chunks[0]!.bytes)).toBe(true);
    const values = samplesOf(set);
    expect(values[0]).toEqual(Array.from({ length: 120 }, (_, i) => 100 + i * 3));
    expect(values[1]).toEqual([100, 103, 106, 109, 112]);
  });

  it('still reads version 1 blocks (XOR chunks only)', async () => {
    const name = await writeBlock(dir, {
      minTime: 0,
      maxTime: HOUR,
      series: [series({ __name__: 'm' }, 0, 50, false)],
      level: 1,
      sources: [],
    });
    setVersion(name, 1);
    const set = await BlockSet.open(dir);
    expect(set.blocks[0]!.meta.version).toBe(1);
    expect(samplesOf(set)).toEqual([Array.from({ length: 50 }, (_, i) => 100 + i * 3)]);
  });

  it('refuses an unknown version and files of different versions', async () => {
    const name = await writeBlock(dir, {
      minTime: 0,
      maxTime: HOUR,
      series: [series({ __name__: 'm' }, 0, 50, true)],
      level: 1,
      sources: [],
    });
    setVersion(name, 3);
    await expect(BlockSet.open(dir)).rejects.toThrow(CorruptBlockError);
    setVersion(name, 1, 2);
    await expect(BlockSet.open(dir)).rejects.toThrow(CorruptBlockError);
  });
});
