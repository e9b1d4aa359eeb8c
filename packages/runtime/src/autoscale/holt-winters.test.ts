import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitHoltWinters, HoltWintersError } from './holt-winters.js';

/** Deterministic noise in [-1, 1] (Park–Miller), so the fits are reproducible. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return 2 * (state / 2147483647) - 1;
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('fitHoltWinters', () => {
  it('is exact on a linear ramp (Holt, and Holt-Winters with a season)', () => {
    const ramp = range(20).map((t) => 3 + 2 * t);
    const holt = fitHoltWinters(ramp);
    expect(holt.kind).toBe('holt');
    expect(holt.sse).toBeCloseTo(0, 9);
    holt.forecast(5).forEach((y, i) => expect(y).toBeCloseTo(3 + 2 * (20 + i), 9));
    const seasonal = fitHoltWinters(ramp, { seasonLength: 4 });
    expect(seasonal.kind).toBe('holt-winters');
    seasonal.forecast(6).forEach((y, i) => expect(y).toBeCloseTo(3 + 2 * (20 + i), 9));
  });

  it('recovers a sine season from noisy data', () => {
    const m = 12;
    const rand = noise(7);
    const truth = (t: number) => 10 + 3 * Math.sin((2 * Math.PI * t) / m);
    const series = range(10 * m).map((t) => truth(t) + 0.3 * rand());
    const model = fitHoltWinters(series, { seasonLength: m });
    expect(model.kind).toBe('holt-winters');
    const forecast = model.forecast(2 * m);
    const errors = forecast.map((y, h) => Math.abs(y - truth(series.length + h)));
    expect(Math.max(...errors)).toBeLessThan(0.6);
    // The shape is there: peak and trough a quarter-season apart from the truth's, amplitude about 3.
    const firstSeason = forecast.slice(0, m);
    expect(Math.max(...firstSeason) - Math.min(...firstSeason)).toBeGreaterThan(5);
    expect(firstSeason.indexOf(Math.max(...firstSeason))).toBe((3 - (series.length % m) + m) % m);
  });

  it('follows a season on top of a trend', () => {
    const m = 8;
    const truth = (t: number) => 50 + 0.5 * t + 4 * Math.cos((2 * Math.PI * t) / m);
    const series = range(6 * m).map(truth);
    const model = fitHoltWinters(series, { seasonLength: m });
    model.forecast(m).forEach((y, h) => expect(y).toBeCloseTo(truth(series.length + h), 6));
  });

  it('is stable on a constant series', () => {
    for (const seasonLength of [0, 4]) {
      const model = fitHoltWinters(Array<number>(30).fill(7), { seasonLength });
      expect(model.trend).toBeCloseTo(0, 12);
      model.forecast(10).forEach((y) => expect(y).toBeCloseTo(7, 12));
    }
  });

  it('never gives NaN on short or empty input', () => {
    const empty = fitHoltWinters([]);
    expect(empty.kind).toBe('empty');
    expect(empty.forecast(3)).toEqual([0, 0, 0]);
    const one = fitHoltWinters([5], { seasonLength: 12 });
    expect(one.kind).toBe('constant');
    expect(one.forecast(2)).toEqual([5, 5]);
    const two = fitHoltWinters([1, 2], { seasonLength: 12 });
    expect(two.kind).toBe('holt');
    expect(two.forecast(2)).toEqual([3, 4]);
    const tooShortForSeason = fitHoltWinters([1, 5, 2, 6, 3], { seasonLength: 4 });
    expect(tooShortForSeason.kind).toBe('holt');
    expect(tooShortForSeason.forecast(4).every(Number.isFinite)).toBe(true);
    expect(fitHoltWinters([4, 4]).forecastAt(0)).toBe(4);
  });

  it('property: forecasts are finite and parameters in [0, 1] for any finite series', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 40 }),
        fc.constantFrom(0, 2, 3, 7),
        (series, seasonLength) => {
          const model = fitHoltWinters(series, { seasonLength, maxIterations: 30 });
          for (const p of [model.alpha, model.beta, model.gamma]) {
            expect(p).toBeGreaterThanOrEqual(0);
            expect(p).toBeLessThanOrEqual(1);
          }
          expect(model.forecast(10).every(Number.isFinite)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uses given parameters instead of fitting', () => {
    // α = 1, β = 0: the level is the last value and the trend stays at its initial first difference.
    const model = fitHoltWinters([0, 1, 5, 6], { params: { alpha: 1, beta: 0 } });
    expect(model.alpha).toBe(1);
    expect(model.forecastAt(1)).toBe(7);
  });

  it('fits better than a naive guess on noisy data (the search does its job)', () => {
    const rand = noise(3);
    const series = range(80).map((t) => 100 + 0.5 * t + 5 * rand());
    const fitted = fitHoltWinters(series);
    const naive = fitHoltWinters(series, { params: { alpha: 0.95, beta: 0.95 } });
    expect(fitted.sse).toBeLessThan(naive.sse);
    expect(fitted.forecastAt(10)).toBeCloseTo(100 + 0.5 * 89, -1);
  });

  it('rejects bad input with errors that name the field', () => {
    expect(() => fitHoltWinters([1, NaN, 3])).toThrow(
      new HoltWintersError('series[1] must be a finite number, got NaN'),
    );
    expect(() => fitHoltWinters([1], { seasonLength: 1 })).toThrow(/seasonLength/);
    expect(() => fitHoltWinters([1], { seasonLength: 2.5 })).toThrow(/seasonLength/);
    expect(() => fitHoltWinters([1], { maxIterations: -1 })).toThrow(/maxIterations/);
    expect(() => fitHoltWinters([1], { params: { alpha: 2, beta: 0 } })).toThrow(
      /params.alpha must be a number in \[0, 1\]/,
    );
    expect(() => fitHoltWinters([1, 2]).forecast(-1)).toThrow(/steps/);
    expect(() => fitHoltWinters([1, 2]).forecastAt(1.5)).toThrow(/steps/);
  });
});
