import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { isPackedChunk } from './chunk-iterator.js';
import { floatHi, floatLo } from './float-bits.js';
import { Head } from './head.js';
import { decodeSeries } from './series-merge.js';
import { MAX_SAMPLES_PER_CHUNK } from './xor-chunk.js';

const DAY = 86_400_000;

describe('head chunk packing', () => {
  it('packs chunks as they are cut, counts their real bytes, and reads every sample back', () => {
    const head = new Head(DAY);
    const series = head.getOrCreate({ __name__: 'requests_total' });
    const n = 2 * MAX_SAMPLES_PER_CHUNK + 7;
    const start = 1_700_000_000_000 - (1_700_000_000_000 % DAY);
    for (let i = 0; i < n; i++) {
      const value = i === n - 1 ? STALE_NAN : 1000 + i * 7 + (i % 3);
      head.append(series, start + i * 15_000, floatHi(value), floatLo(value));
    }
    expect(series.closed).toHaveLength(2);
    expect(series.closed.every((chunk) => isPackedChunk(chunk.bytes))).toBe(true);
    const open = series.openChunk()!;
    expect(isPackedChunk(open.bytes)).toBe(false); // The open chunk stays XOR until it is cut.
    const bytes = series.closed.reduce((sum, chunk) => sum + chunk.bytes.length, open.bytes.length);
    expect(head.chunkStats()).toEqual({ bytes, chunks: 3 });
    // ~4 bits per sample for the packed chunks, against ~2 bytes as XOR.
    expect(series.closed[0]!.bytes.length).toBeLessThan(70);

    const samples = decodeSeries(series.labels, series.chunks(), -Infinity, Infinity)!;
    expect(samples.timestamps).toHaveLength(n);
    // decodeSeries fills a Float64Array; its words carry NaN payloads exactly.
    expect(samples.values).toBeInstanceOf(Float64Array);
    const words = new Uint32Array((samples.values as Float64Array).buffer);
    for (let i = 0; i < n - 1; i++) {
      expect(samples.timestamps[i]).toBe(start + i * 15_000);
      expect(samples.values[i]).toBe(1000 + i * 7 + (i % 3));
    }
    expect([words[2 * (n - 1) + 1], words[2 * (n - 1)]]).toEqual([floatHi(STALE_NAN), floatLo(STALE_NAN)]);
  });
});
