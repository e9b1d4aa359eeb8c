import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fisherGreaterPValue, logGamma, mannWhitneyGreater, normalCdf } from './statistics.js';

describe('normalCdf', () => {
  it('matches known quantiles', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.326348)).toBeCloseTo(0.01, 6);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
  });
});

describe('logGamma', () => {
  it('gives ln((n-1)!) at integers and ln √π at ½', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(1)).toBeCloseTo(0, 10);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 8);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });
});

describe('fisherGreaterPValue', () => {
  // Reference values from the exact hypergeometric sums (Python math.comb).
  it.each([
    [0, 100, 5, 100, 0.029691605234293292],
    [1, 1000, 10, 100, 2.567225520694386e-10],
    [3, 50, 3, 50, 0.6611338561962544],
    [0, 900, 5, 100, 9.125437844170035e-6],
  ])('A %i/%i vs B %i/%i → p = %f', (fa, ta, fb, tb, expected) => {
    expect(fisherGreaterPValue(fa, ta, fb, tb)).toBeCloseTo(expected, 10);
    expect(fisherGreaterPValue(fa, ta, fb, tb) / expected).toBeCloseTo(1, 6);
  });

  it('is 1 without failures or when B has none', () => {
    expect(fisherGreaterPValue(0, 10, 0, 10)).toBe(1);
    expect(fisherGreaterPValue(5, 10, 0, 10)).toBe(1);
  });

  it('refuses impossible counts', () => {
    expect(() => fisherGreaterPValue(3, 2, 0, 1)).toThrow(RangeError);
    expect(() => fisherGreaterPValue(0.5, 2, 0, 1)).toThrow(RangeError);
  });

  it('decreases as B gets more failures (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        (fa, ta, tb) => {
          const a = Math.min(fa, ta);
          let previous = 1 + 1e-12;
          for (let fb = 0; fb <= Math.min(tb, 20); fb++) {
            const p = fisherGreaterPValue(a, ta, fb, tb);
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThanOrEqual(previous + 1e-9);
            previous = p;
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('mannWhitneyGreater', () => {
  it('finds no shift between identical distributions', () => {
    const result = mannWhitneyGreater([10, 50, 30, 10], [10, 50, 30, 10]);
    expect(result.effect).toBeCloseTo(0.5, 10);
    expect(result.pValue).toBeGreaterThan(0.4);
  });

  it('finds B slower when its mass sits in higher bins', () => {
    const result = mannWhitneyGreater([40, 50, 10, 0], [5, 30, 50, 15]);
    expect(result.effect).toBeGreaterThan(0.7);
    expect(result.pValue).toBeLessThan(1e-6);
    // The other direction is not significant.
    expect(mannWhitneyGreater([5, 30, 50, 15], [40, 50, 10, 0]).pValue).toBeGreaterThan(0.99);
  });

  it('matches the exact U of unbinned data with ties', () => {
    // A = {1,1,2}, B = {2,3}: pairs b>a: (2>1)×2, (3>1)×2, (3>2)×1 = 5; ties (2,2) = ½ → U = 5.5.
    expect(mannWhitneyGreater([2, 1, 0], [0, 1, 1]).u).toBe(5.5);
  });

  it('is 1 for an empty group and refuses mismatched bins', () => {
    expect(mannWhitneyGreater([0, 0], [1, 2]).pValue).toBe(1);
    expect(() => mannWhitneyGreater([1], [1, 2])).toThrow(RangeError);
  });
});
