import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HISTOGRAM_RELATIVE_ERROR, LatencyHistogram, percentileRank } from './histogram.js';

/** The exact nearest-rank percentile of the values as the histogram stores them (rounded to the µs). */
function reference(values: readonly number[], p: number): number {
  const sorted = values.map((v) => Math.round(Math.max(0, v) * 1000) / 1000).sort((a, b) => a - b);
  return sorted[percentileRank(p, sorted.length) - 1]!;
}

const latency = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: 0, max: 1000, noNaN: true }),
  fc.double({ min: 0, max: 3_600_000, noNaN: true }),
  fc.integer({ min: 0, max: 100_000 }),
);

describe('LatencyHistogram', () => {
  it('reports percentiles within its relative error of a sorted-array reference', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 400 }),
        fc.oneof(fc.constantFrom(0, 50, 90, 99, 99.9, 100), fc.double({ min: 0, max: 100, noNaN: true })),
        (values, p) => {
          const histogram = new LatencyHistogram();
          for (const value of values) histogram.record(value);
          const exact = reference(values, p);
          const reported = histogram.percentile(p);
          expect(Math.abs(reported - exact)).toBeLessThanOrEqual(exact * HISTOGRAM_RELATIVE_ERROR + 0.001);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps count, min, max and mean exact (to the µs) and merges like one histogram', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 200 }), fc.nat(200), (values, cut) => {
        const whole = new LatencyHistogram();
        const left = new LatencyHistogram();
        const right = new LatencyHistogram();
        values.forEach((value, i) => {
          whole.record(value);
          (i < cut ? left : right).record(value);
        });
        left.merge(right);
        const micros = values.map((v) => Math.round(v * 1000));
        expect(whole.count).toBe(values.length);
        expect(whole.min).toBe(Math.min(...micros) / 1000);
        expect(whole.max).toBe(Math.max(...micros) / 1000);
        expect(whole.mean).toBeCloseTo(micros.reduce((a, b) => a + b, 0) / micros.length / 1000, 6);
        expect(left.summary()).toEqual(whole.summary());
      }),
      { numRuns: 100 },
    );
  });

  it('is exact below 256 µs and answers NaN when empty', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.percentile(50)).toBeNaN();
    expect(histogram.summary()).toMatchObject({ count: 0, p99: Number.NaN });
    for (const ms of [0.001, 0.002, 0.003, 0.1, 0.255]) histogram.record(ms);
    expect(histogram.percentile(0)).toBe(0.001);
    expect(histogram.percentile(50)).toBe(0.003);
    expect(histogram.percentile(80)).toBe(0.1);
    expect(histogram.percentile(100)).toBe(0.255);
    expect(() => histogram.percentile(101)).toThrow(RangeError);
  });

  it('counts negative and non-finite values as 0', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-5);
    histogram.record(Number.NaN);
    expect(histogram.summary()).toMatchObject({ count: 2, min: 0, max: 0 });
  });
});
