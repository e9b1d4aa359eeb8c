import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { floatHi, floatLo } from './float-bits.js';
import type { ChunkSource } from './head-series.js';
import { DecodedChunkCache } from './decoded-chunk-cache.js';
import { recodeChunk } from './chunk-recode.js';
import { DecodeContext, decodeSeries } from './series-merge.js';
import { XorChunkEncoder } from './xor-chunk.js';

function chunk(samples: readonly (readonly [number, number])[], count = samples.length): ChunkSource {
  const encoder = new XorChunkEncoder();
  for (const [t, v] of samples) encoder.append(t, v);
  return { bytes: encoder.toBytes(), minT: samples[0]![0], maxT: samples[samples.length - 1]![0], count };
}

function bits(values: ArrayLike<number>): [number, number][] {
  return Array.from({ length: values.length }, (_, i) => [floatHi(values[i]!), floatLo(values[i]!)]);
}

describe('decodeSeries', () => {
  const a = chunk([
    [1000, 1],
    [2000, STALE_NAN],
    [3000, 3],
  ]);
  const b = chunk([
    [4000, 4],
    [5000, -0],
  ]);

  it('decodes the range across chunks, bit-exact, into arrays of its own', () => {
    const s = decodeSeries({ job: 'x' }, [b, a], 2000, 4000)!;
    expect(Array.from(s.timestamps)).toEqual([2000, 3000, 4000]);
    expect(bits(s.values)).toEqual(bits([STALE_NAN, 3, 4]));
    const again = decodeSeries({ job: 'x' }, [a, b], 0, 9999)!;
    expect(Array.from(again.timestamps)).toEqual([1000, 2000, 3000, 4000, 5000]);
    // Results outlive the decoding scratch: the first one is unchanged.
    expect(Array.from(s.timestamps)).toEqual([2000, 3000, 4000]);
    expect(Object.is(again.values[4], -0)).toBe(true);
  });

  it('hands back the shared timestamps when they are equal, a copy otherwise', () => {
    const shared = new Float64Array([1000, 2000, 3000, 4000, 5000]);
    expect(decodeSeries({}, [a, b], 0, 9999, shared)!.timestamps).toBe(shared);
    const other = new Float64Array([1000, 2000, 3000, 4000, 5001]);
    const s = decodeSeries({}, [a, b], 0, 9999, other)!;
    expect(s.timestamps).not.toBe(other);
    expect(Array.from(s.timestamps)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(decodeSeries({}, [a, b], 0, 3000, shared)!.timestamps).not.toBe(shared);
  });

  it('decodes series whose chunks claim more samples than the kept scratch holds', () => {
    const huge = { ...a, count: 3_000_000 };
    const s = decodeSeries({}, [huge], 0, 9999)!;
    expect(Array.from(s.timestamps)).toEqual([1000, 2000, 3000]);
    expect(decodeSeries({}, [a], 5000, 9999)).toBeNull();
  });

  it('reads immutable chunks through the cache with the same bits as decoding, open chunks never', () => {
    const samples = Array.from({ length: 100 }, (_, i): [number, number] => [i * 15_000, i * 3]);
    const packedBytes = recodeChunk(chunk(samples).bytes, 100);
    expect(packedBytes[0]).toBe(1); // The packed encoding, so both decoders are read through the cache.
    const packed: ChunkSource = {
      bytes: packedBytes,
      minT: 0,
      maxT: 99 * 15_000,
      count: 100,
      immutable: true,
    };
    const xor = {
      ...chunk([
        [1_500_000, STALE_NAN],
        [1_515_000, -0],
        [1_530_000, 7],
      ]),
      immutable: true,
    };
    const open = { ...chunk([[1_545_000, 8]]), immutable: false };
    const chunks = [open, xor, packed];
    const cache = new DecodedChunkCache(1 << 20);
    for (const [minT, maxT] of [
      [0, Infinity],
      [20_000, 1_515_000],
      [1_500_000, 1_500_000],
      [1_600_000, 1_700_000],
    ] as const) {
      const plain = decodeSeries({}, chunks, minT, maxT);
      const cold = decodeSeries({}, chunks, minT, maxT, undefined, new DecodeContext(cache));
      const warm = decodeSeries({}, chunks, minT, maxT, undefined, new DecodeContext(cache));
      for (const got of [cold, warm]) {
        expect(got === null).toBe(plain === null);
        if (got === null || plain === null) continue;
        expect(Array.from(got.timestamps)).toEqual(Array.from(plain.timestamps));
        expect(bits(got.values)).toEqual(bits(plain.values));
      }
    }
    expect(cache.size).toBe(2);
    expect(cache.stats.hits).toBe(2 * 4 * 2 - 2);
  });

  it('keeps timestamps once when the previous series had the same at that position; ', () => {
    const times = [1000, 2000, 3000];
    const mk = (k: number) => ({ ...chunk(times.map((t): [number, number] => [t, t * k])), immutable: true });
    const context = new DecodeContext(new DecodedChunkCache(1 << 20));
    const first = decodeSeries({}, [mk(1)], 0, 9999, undefined, context)!;
    const [firstEntry] = context.previous;
    const second = mk(2);
    const values = decodeSeries({}, [second], 0, 9999, first.timestamps, context)!.values;
    expect(Array.from(values)).toEqual([2000, 4000, 6000]);
    expect(Array.from(first.values)).toEqual([1000, 2000, 3000]);
    expect(context.previous[0]).not.toBe(firstEntry);
    expect(context.cache!.get(second)!.tOffset).toBe(firstEntry!.tOffset);
  });
});
