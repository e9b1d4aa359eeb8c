import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { floatHi, floatLo } from './float-bits.js';
import type { ChunkSource } from './head-series.js';
import { decodeSeries } from './series-merge.js';
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
});
