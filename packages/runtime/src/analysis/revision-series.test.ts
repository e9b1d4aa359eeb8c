import { describe, expect, it } from 'vitest';
import { RevisionSeries, periodValues } from './revision-series.js';
import type { TrafficSample } from './traffic-sample.js';

/** A replica's cumulative counters: `fast` requests within 10 ms, `slow` within 1 s. */
const sample = (fast: number, slow: number, errors = 0, startTimeSeconds?: number): TrafficSample => ({
  requests: fast + slow,
  errors,
  buckets: new Map([
    [0.01, fast],
    [1, fast + slow],
    [Infinity, fast + slow],
  ]),
  ...(startTimeSeconds === undefined ? {} : { startTimeSeconds }),
});
const one = (s: TrafficSample) => new Map([['web-0', s]]);

describe('periodValues', () => {
  it('gives the error ratio and the p95 of the period (bucket increase), not of the totals', () => {
    // Before: 1000 fast requests. Then 100 more, 10 of them slow and 5 failing.
    const v = periodValues(one(sample(1000, 0)), one(sample(1090, 10, 5)));
    expect(v.requests).toBe(100);
    expect(v.errors).toBeCloseTo(0.05, 10);
    // Rank 95 of 100 falls in (0.01, 1], 5 of its 10: halfway.
    expect(v.latencyP95).toBeCloseTo(0.505, 10);
  });

  it('sums replicas and counts a restarted one from zero', () => {
    const before = new Map([
      ['web-0', sample(100, 0, 0, 1)],
      ['web-1', sample(500, 0, 0, 1)],
    ]);
    const after = new Map([
      ['web-0', sample(150, 0, 5, 1)],
      ['web-1', sample(20, 0, 0, 2)], // restarted: 20 since
    ]);
    expect(periodValues(before, after)).toMatchObject({ requests: 70, errors: 5 / 70 });
  });

  it('is a gap (NaN) when the period had no requests', () => {
    const v = periodValues(one(sample(10, 0)), one(sample(10, 0)));
    expect(v).toEqual({ requests: 0, errors: NaN, latencyP95: NaN });
  });
});

describe('RevisionSeries', () => {
  it('adds a point per sample after the first, skips samples too close, filters by time', () => {
    const series = new RevisionSeries();
    series.add(0, one(sample(0, 0)));
    series.add(5_000, one(sample(100, 0)));
    series.add(5_001, one(sample(150, 0, 50)), 2_500); // too close: the next period covers it
    series.add(10_000, one(sample(200, 0, 50)), 2_500);
    expect(series.errors()).toEqual([
      { t: 5_000, v: 0 },
      { t: 10_000, v: 0.5 },
    ]);
    expect(series.errors(5_000)).toEqual([{ t: 10_000, v: 0.5 }]);
    expect(series.latencyP95().map((p) => p.t)).toEqual([5_000, 10_000]);
  });

  it('restart() starts a new period without a point (traffic of a gap is not counted)', () => {
    const series = new RevisionSeries();
    series.add(0, one(sample(0, 0)));
    series.restart(60_000, one(sample(1000, 0, 900)));
    series.add(65_000, one(sample(1100, 0, 900)));
    expect(series.errors()).toEqual([{ t: 65_000, v: 0 }]);
  });

  it('keeps the newest maxPoints', () => {
    const series = new RevisionSeries({ maxPoints: 3 });
    for (let i = 0; i <= 10; i++) series.add(i * 5_000, one(sample(i * 10, 0)));
    expect(series.errors().map((p) => p.t)).toEqual([40_000, 45_000, 50_000]);
  });
});
