import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './histogram-quantile.js';

const b = (...pairs: [number, number][]) => pairs.map(([le, count]) => ({ le, count }));

describe('histogramQuantile (PromQL semantics)', () => {
  it('interpolates linearly inside the bucket holding the rank (hand computation)', () => {
    // 100 observations: 50 ≤ 0.1 s, 40 in (0.1, 0.25], 8 in (0.25, 0.5], 2 above.
    // rank = 0.95 × 100 = 95 → bucket (0.25, 0.5] holds ranks 91..98 → 0.25 + 0.25 × (95 − 90) / 8.
    const buckets = b([0.1, 50], [0.25, 90], [0.5, 98], [Infinity, 100]);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.40625, 12);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.1 + 0.15 * (20 / 40), 12);
  });

  it('starts the first bucket at 0 and ignores the input order', () => {
    expect(histogramQuantile(0.95, b([Infinity, 100], [0.1, 100]))).toBeCloseTo(0.095, 12);
  });

  it('returns the highest finite bound when the rank falls in +Inf', () => {
    expect(histogramQuantile(0.99, b([0.1, 50], [0.5, 90], [Infinity, 100]))).toBe(0.5);
  });

  it('returns a non-positive first bound as is', () => {
    expect(histogramQuantile(0.5, b([-1, 10], [Infinity, 10]))).toBe(-1);
  });

  it('is NaN without +Inf, without observations or with a single bucket; ±Inf outside [0, 1]', () => {
    expect(histogramQuantile(0.5, b([0.1, 5], [1, 10]))).toBeNaN();
    expect(histogramQuantile(0.5, b([0.1, 0], [Infinity, 0]))).toBeNaN();
    expect(histogramQuantile(0.5, b([Infinity, 10]))).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(NaN, b([0.1, 1], [Infinity, 1]))).toBeNaN();
    expect(histogramQuantile(-0.1, b([0.1, 1], [Infinity, 1]))).toBe(-Infinity);
    expect(histogramQuantile(1.1, b([0.1, 1], [Infinity, 1]))).toBe(Infinity);
  });

  it('forces counts monotonic and adds up buckets with the same bound', () => {
    // 0.25 dips below 0.1 (series scraped at different moments): treated as 60, as Prometheus does.
    expect(histogramQuantile(0.95, b([0.1, 60], [0.25, 50], [0.5, 100], [Infinity, 100]))).toBeCloseTo(
      0.25 + 0.25 * (35 / 40),
      12,
    );
    expect(histogramQuantile(0.5, b([0.1, 5], [0.1, 5], [Infinity, 5], [Infinity, 5]))).toBeCloseTo(0.05, 12);
  });

  it('gives the lower edge for q = 0 when the first bucket is empty (found by the property below)', () => {
    expect(
      histogramQuantile(0, [
        { le: 0.001, count: 0 },
        { le: Infinity, count: 1 },
      ]),
    ).toBe(0);
  });

  it('property: the result lies within the finite bounds and grows with q', () => {
    const histogram = fc
      .tuple(
        fc.uniqueArray(fc.double({ min: 0.001, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat({ max: 1000 }), { minLength: 7, maxLength: 7 }),
      )
      .map(([bounds, counts]) => {
        const sorted = [...bounds].sort((x, y) => x - y);
        let cumulative = 0;
        return [...sorted, Infinity].map((le, i) => ({ le, count: (cumulative += counts[i]!) }));
      })
      .filter((h) => h[h.length - 1]!.count > 0);
    fc.assert(
      fc.property(
        histogram,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (h, q1, q2) => {
          const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1];
          const a = histogramQuantile(lo, h);
          const c = histogramQuantile(hi, h);
          const maxFinite = h[h.length - 2]!.le;
          expect(a).toBeGreaterThanOrEqual(0);
          expect(c).toBeLessThanOrEqual(maxFinite);
          expect(c).toBeGreaterThanOrEqual(a - 1e-9);
        },
      ),
    );
  });
});
