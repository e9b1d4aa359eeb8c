import { describe, expect, it } from 'vitest';
import { OutOfOrderSampleError } from '../model/series-store.js';
import { STALE_NAN, isStaleNaN } from '../model/stale-nan.js';
import { MemoryQuerier } from './memory-querier.js';

describe('MemoryQuerier', () => {
  const q = new MemoryQuerier([
    {
      labels: { __name__: 'up', job: 'a' },
      samples: [
        [0, 1],
        [10, 1],
        [20, 0],
      ],
    },
    { labels: { __name__: 'up', job: 'b', empty: '' }, samples: [[15, 1]] },
  ]);

  it('selects matching series with the samples inside [minT, maxT]', async () => {
    expect(await q.select([{ name: 'job', type: '=', value: 'a' }], 5, 20)).toEqual([
      { labels: { __name__: 'up', job: 'a' }, timestamps: [10, 20], values: new Float64Array([1, 0]) },
    ]);
    // Series without a sample in range are left out; empty label values are not stored.
    expect(await q.select([{ name: '__name__', type: '=', value: 'up' }], 11, 14)).toEqual([]);
    expect(
      (await q.select([{ name: 'job', type: '=~', value: 'a|b' }], 0, 100)).map((s) => s.labels),
    ).toEqual([
      { __name__: 'up', job: 'a' },
      { __name__: 'up', job: 'b' },
    ]);
  });

  it('lists label names and values of series with samples in range', async () => {
    expect(await q.labelNames([], 0, 100)).toEqual(['__name__', 'job']);
    expect(await q.labelValues('job', [], 12, 100)).toEqual(['a', 'b']);
    expect(await q.labelValues('job', [], 21, 100)).toEqual([]);
  });

  it('refuses out-of-order samples and ignores exact duplicates', () => {
    const store = new MemoryQuerier();
    store.append({ __name__: 'x' }, 10, 1);
    store.append({ __name__: 'x' }, 10, 1);
    expect(() => store.append({ __name__: 'x' }, 10, 2)).toThrow(OutOfOrderSampleError);
    expect(() => store.append({ __name__: 'x' }, 5, 2)).toThrow(OutOfOrderSampleError);
  });

  it('keeps the staleness marker bit pattern', async () => {
    const store = new MemoryQuerier();
    for (let i = 0; i < 40; i++) store.append({ __name__: 'x' }, i, i === 33 ? STALE_NAN : i);
    const [series] = await store.select([{ name: '__name__', type: '=', value: 'x' }], 0, 100);
    expect(isStaleNaN(series!.values[33]!)).toBe(true);
    await expect(store.commit()).resolves.toBeUndefined();
  });
});
