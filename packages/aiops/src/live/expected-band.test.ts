import { describe, expect, it } from 'vitest';
import { ExpectedBand } from './expected-band.js';

describe('ExpectedBand', () => {
  it('expects the median of the recent points, with a band that ignores one outlier', () => {
    const band = new ExpectedBand({ size: 9 });
    expect(band.expectation()).toBeUndefined();
    for (const v of [10, 11, 9, 10, 12, 8, 10, 1000]) band.push(v);
    const e = band.expectation()!;
    expect(e.expected).toBe(10);
    expect(e.low).toBeLessThan(10);
    expect(e.high).toBeGreaterThan(10);
    expect(e.high).toBeLessThan(20);
  });

  it('forgets points older than its size and ignores non-finite values', () => {
    const band = new ExpectedBand({ size: 3 });
    for (const v of [1, 1, 1, 5, 5, NaN, Infinity, 5]) band.push(v);
    expect(band.expectation()!.expected).toBe(5);
    expect(band.snapshot().values).toEqual([5, 5, 5]);
  });

  it('keeps a band around a flat series', () => {
    const band = new ExpectedBand();
    for (let i = 0; i < 10; i++) band.push(0);
    const e = band.expectation()!;
    expect(e.low).toBeLessThan(0);
    expect(e.high).toBeGreaterThan(0);
  });

  it('stops the band at the lower bound', () => {
    const band = new ExpectedBand({ lowerBound: 0 });
    for (const v of [0.1, 0.9, 0.1, 0.9, 0.5]) band.push(v);
    expect(band.expectation()!.low).toBe(0);
    expect(band.outside(-0.01)).toBe(true);
  });

  it('continues identically from a snapshot', () => {
    const a = new ExpectedBand({ size: 5 });
    for (const v of [3, 1, 4, 1, 5, 9, 2]) a.push(v);
    const b = new ExpectedBand({ size: 5 }, JSON.parse(JSON.stringify(a.snapshot())));
    a.push(6);
    b.push(6);
    expect(b.expectation()).toEqual(a.expectation());
  });
});
