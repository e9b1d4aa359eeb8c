import { describe, expect, it } from 'vitest';
import { SamplingInterval } from './sampling-interval.js';
import { binOf, binsFor, DAY_MS, WEEK_MS } from './seasonal-bins.js';

describe('SamplingInterval', () => {
  it('learns the typical interval and ignores rare gaps', () => {
    const interval = SamplingInterval.empty();
    let t = 0;
    for (let i = 0; i < 500; i += 1) {
      t += i % 50 === 49 ? 3_600_000 : 300_000;
      interval.observe(t);
    }
    expect(interval.intervalMs()).toBeGreaterThan(280_000);
    expect(interval.intervalMs()).toBeLessThan(330_000);
    expect(interval.steps(3_000_000, 5)).toBe(5);
  });
});

describe('seasonal bins', () => {
  it('sizes and indexes bins by calendar phase', () => {
    expect(binsFor(DAY_MS, 300_000)).toBe(288);
    expect(binsFor(WEEK_MS, 300_000)).toBe(288);
    expect(binsFor(DAY_MS, 6 * 3_600_000)).toBe(0);
    expect(binOf(Date.UTC(2024, 0, 1, 12), DAY_MS, 24)).toBe(12);
    expect(binOf(Date.UTC(2024, 0, 2, 12), DAY_MS, 24)).toBe(12);
  });
});
