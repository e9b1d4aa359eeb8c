import { describe, expect, it } from 'vitest';
import { robustShift } from './baro.js';

const series = (f: (i: number) => number, n = 40) =>
  Array.from({ length: n }, (_, i) => ({ t: i * 1000, v: f(i) }));

describe('robustShift', () => {
  it('scores a level shift in robust standard deviations and finds its start', () => {
    const points = series((i) => (i < 20 ? 10 + (i % 3) : 30));
    const shift = robustShift(points, 18_000, 4)!;
    expect(shift.z).toBeGreaterThan(10);
    expect(shift.onsetMs).toBe(20_000);
    expect(shift.before).toBe(11);
    expect(shift.after).toBe(30);
  });

  it('is not moved by one outlier in the normal period', () => {
    const points = series((i) => (i === 5 ? 1000 : 10 + (i % 2)));
    expect(robustShift(points, 20_000, 4)!.z).toBeLessThan(1);
  });

  it('needs points on both sides and ignores non-finite values', () => {
    expect(
      robustShift(
        series((i) => i, 3),
        1000,
        4,
      ),
    ).toBeUndefined();
    const points = series((i) => (i % 2 === 0 ? Number.NaN : 5));
    expect(robustShift(points, 20_000, 4)!.z).toBe(0);
  });
});
