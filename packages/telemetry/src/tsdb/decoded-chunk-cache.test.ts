import { describe, expect, it } from 'vitest';
import { DecodedChunkCache, type CachedChunk, type ChunkDecoder } from './decoded-chunk-cache.js';
import type { ChunkSource } from './head-series.js';

function chunk(minT: number): ChunkSource {
  return { bytes: new Uint8Array(0), minT, maxT: minT + 1000, count: 0, immutable: true };
}

/** A decoder writing `n` samples: timestamps first + i·1000, values `value` + i (as float64 words). */
function decoder(n: number, first = 0, value = 1): ChunkDecoder {
  return (t, words) => {
    const v = new Float64Array(words.buffer, words.byteOffset, words.length / 2);
    for (let i = 0; i < n; i++) {
      t[i] = first + i * 1000;
      v[i] = value + i;
    }
    return n;
  };
}

function timesOf(e: CachedChunk): number[] {
  return Array.from(e.segment.data.subarray(e.tOffset, e.tOffset + e.n));
}

function valuesOf(e: CachedChunk): number[] {
  return Array.from(e.segment.data.subarray(e.vOffset, e.vOffset + e.n));
}

describe('DecodedChunkCache', () => {
  it('answers what was loaded, and counts hits and misses', () => {
    const cache = new DecodedChunkCache(1 << 20);
    const a = chunk(0);
    expect(cache.get(a)).toBeUndefined();
    const loaded = cache.load(a, 10, decoder(10))!;
    expect(cache.get(a)).toBe(loaded);
    expect(timesOf(loaded)).toEqual(Array.from({ length: 10 }, (_, i) => i * 1000));
    expect(valuesOf(loaded)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + i));
    expect(cache.get(chunk(0))).toBeUndefined(); // Keyed by the chunk object, not its contents.
    expect(cache.stats).toEqual({ hits: 1, misses: 2 });
    expect(cache.size).toBe(1);
  });

  it('keeps fewer samples than the capacity when the decoder writes fewer', () => {
    const cache = new DecodedChunkCache(1 << 20);
    const e = cache.load(chunk(0), 120, decoder(3, 5000, 7))!;
    expect(e.n).toBe(3);
    expect(timesOf(e)).toEqual([5000, 6000, 7000]);
    expect(valuesOf(e)).toEqual([7, 8, 9]);
    const next = cache.load(chunk(1), 2, decoder(2))!;
    expect(next.vOffset).toBe(6); // Right after the first chunk's 3 values and 3 timestamps.
  });

  it('keeps equal timestamps of the previous series once, different ones apart', () => {
    const cache = new DecodedChunkCache(1 << 20);
    const first = cache.load(chunk(0), 10, decoder(10))!;
    const second = cache.load(chunk(0), 10, decoder(10, 0, 50), first)!;
    expect(second.tOffset).toBe(first.tOffset);
    expect(valuesOf(second)[0]).toBe(50);
    expect(timesOf(first)).toEqual(timesOf(second));
    const third = cache.load(chunk(0), 10, decoder(10, 5), first)!;
    expect(third.tOffset).not.toBe(first.tOffset);
    expect(timesOf(third)[0]).toBe(5);
    expect(third.vOffset).toBe(second.vOffset + 10); // The shared timestamps took no room.
  });

  it('drops the oldest segment with its chunks when full, staying within its budget', () => {
    // 64 KiB: segments of 2 048 samples; 60-sample chunks (120 slots) fill one in 17 loads.
    const cache = new DecodedChunkCache(64 * 1024);
    const chunks = Array.from({ length: 200 }, (_, i) => chunk(i * 100_000));
    for (const c of chunks) {
      expect(cache.load(c, 60, decoder(60, c.minT))).toBeDefined();
      expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    }
    expect(cache.get(chunks[0]!)).toBeUndefined();
    const last = cache.get(chunks[199]!)!;
    expect(timesOf(last)[0]).toBe(199 * 100_000);
    expect(cache.size).toBeGreaterThan(17 * 2);
    expect(cache.size).toBeLessThan(200);
  });

  it('keeps nothing that does not fit a segment, nor anything when the budget is 0', () => {
    const small = new DecodedChunkCache(64 * 1024);
    expect(small.load(chunk(0), 5000, decoder(5000))).toBeUndefined();
    const off = new DecodedChunkCache(0);
    expect(off.load(chunk(0), 1, decoder(1))).toBeUndefined();
    expect(off.size).toBe(0);
    expect(off.bytes).toBe(0);
    expect(() => new DecodedChunkCache(-1)).toThrow(RangeError);
  });

  it('forgets the chunks no longer live, and segments left without any', () => {
    const cache = new DecodedChunkCache(64 * 1024);
    const chunks = Array.from({ length: 40 }, (_, i) => chunk(i * 100_000));
    for (const c of chunks) cache.load(c, 60, decoder(60, c.minT));
    const bytes = cache.bytes;
    const live = new Set(chunks.slice(20));
    cache.prune((c) => live.has(c));
    expect(cache.size).toBe(20);
    expect(cache.get(chunks[0]!)).toBeUndefined();
    expect(timesOf(cache.get(chunks[39]!)!)[0]).toBe(39 * 100_000);
    // Chunks 0–19 filled the first segment (17) and part of the second: the first is gone.
    expect(cache.bytes).toBeLessThan(bytes - 20 * 96);
    cache.prune(() => false);
    expect(cache.bytes).toBe(0);
  });

  it('empties on clear', () => {
    const cache = new DecodedChunkCache(1 << 20);
    const c = chunk(0);
    cache.load(c, 10, decoder(10));
    cache.clear();
    expect(cache.get(c)).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});
