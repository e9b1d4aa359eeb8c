import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../seeded-random.js';
import type { LatencyParams } from './fault-spec.js';
import { sampleLatency } from './latency-distribution.js';

const N = 20_000;

function draws(params: Pick<LatencyParams, 'ms' | 'jitterMs' | 'distribution'>, seed = 42): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: N }, () => sampleLatency(params, random)).sort((a, b) => a - b);
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

describe('latency distributions (seeded)', () => {
  it('fixed: exactly ms, or ms ± jitter uniformly', () => {
    expect(new Set(draws({ ms: 100, distribution: 'fixed' }))).toEqual(new Set([100]));
    const jittered = draws({ ms: 100, jitterMs: 20, distribution: 'fixed' });
    expect(jittered[0]).toBeGreaterThanOrEqual(80);
    expect(jittered.at(-1)).toBeLessThanOrEqual(120);
    expect(mean(jittered)).toBeCloseTo(100, 0);
    expect(quantile(jittered, 0.25)).toBeGreaterThan(88);
    expect(quantile(jittered, 0.25)).toBeLessThan(92);
  });

  it('uniform: spread evenly over ms ± jitter (default ± ms)', () => {
    const spread = draws({ ms: 100, distribution: 'uniform' });
    expect(spread[0]).toBeGreaterThanOrEqual(0);
    expect(spread.at(-1)).toBeLessThanOrEqual(200);
    expect(mean(spread)).toBeGreaterThan(97);
    expect(mean(spread)).toBeLessThan(103);
    expect(quantile(spread, 0.1)).toBeGreaterThan(17);
    expect(quantile(spread, 0.1)).toBeLessThan(23);
    const narrow = draws({ ms: 100, jitterMs: 10, distribution: 'uniform' });
    expect(narrow[0]).toBeGreaterThanOrEqual(90);
    expect(narrow.at(-1)).toBeLessThanOrEqual(110);
  });

  it('exponential: mean ms, median ms·ln 2', () => {
    const values = draws({ ms: 100, distribution: 'exponential' });
    expect(mean(values)).toBeGreaterThan(96);
    expect(mean(values)).toBeLessThan(104);
    expect(quantile(values, 0.5)).toBeGreaterThan(65);
    expect(quantile(values, 0.5)).toBeLessThan(74);
    expect(values[0]).toBeGreaterThanOrEqual(0);
  });

  it('pareto: mean ms, nothing below its scale, and a heavier tail than the exponential', () => {
    const values = draws({ ms: 100, distribution: 'pareto' });
    expect(values[0]).toBeGreaterThanOrEqual(66.6);
    expect(mean(values)).toBeGreaterThan(92);
    expect(mean(values)).toBeLessThan(108);
    const exponential = draws({ ms: 100, distribution: 'exponential' });
    const tail = (sorted: number[]) => quantile(sorted, 0.9999) / quantile(sorted, 0.5);
    expect(tail(values)).toBeGreaterThan(tail(exponential));
  });

  it('never exceeds one minute', () => {
    const values = draws({ ms: 60_000, distribution: 'pareto' });
    expect(values.at(-1)).toBe(60_000);
  });
});
