import { describe, expect, it } from 'vitest';
import { judgeCanary, type JudgeOptions } from './judge-canary.js';
import type { TrafficSample } from './traffic-sample.js';

const options: JudgeOptions = {
  minRequests: 50,
  alpha: 0.01,
  errorRateTolerance: 0.01,
  latencyTolerance: 0.2,
  latencyToleranceMs: 5,
};

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, Infinity];

/** A sample of `n` requests, `errors` of them failed, latencies spread over bins by `shares` (sum 1). */
function sample(n: number, errors: number, shares: number[]): TrafficSample {
  const buckets = new Map<number, number>();
  let cumulative = 0;
  BOUNDS.forEach((le, i) => {
    cumulative += Math.round(n * (shares[i] ?? 0));
    buckets.set(le, le === Infinity ? n : Math.min(n, cumulative));
  });
  return { requests: n, errors, buckets };
}

const FAST = [0.1, 0.5, 0.3, 0.09, 0.01];
const SLOW = [0, 0, 0.05, 0.15, 0.3, 0.3, 0.15, 0.05];

describe('judgeCanary', () => {
  it('passes a canary like its baseline', () => {
    const j = judgeCanary(sample(2000, 4, FAST), sample(400, 1, FAST), options);
    expect(j.verdict).toBe('pass');
    expect(j.checks.map((c) => c.verdict)).toEqual(['pass', 'pass']);
  });

  it('fails a canary with 5 % errors against a clean baseline', () => {
    const j = judgeCanary(sample(2000, 0, FAST), sample(200, 10, FAST), options);
    expect(j.verdict).toBe('fail');
    const rate = j.checks.find((c) => c.name === 'success-rate')!;
    expect(rate.verdict).toBe('fail');
    expect(rate.pValue).toBeLessThan(0.01);
    expect(rate.canary).toBeCloseTo(0.95, 5);
  });

  it('is inconclusive, not failed, when few requests make the difference chance', () => {
    // 2 errors of 60 (3.3 %) vs 0 of 100: worse than the tolerance but p ≈ 0.14.
    const j = judgeCanary(sample(100, 0, FAST), sample(60, 2, FAST), options);
    expect(j.verdict).toBe('inconclusive');
  });

  it('waits for enough canary requests', () => {
    const j = judgeCanary(sample(1000, 0, FAST), sample(10, 10, FAST), options);
    expect(j.verdict).toBe('inconclusive');
    expect(j.checks[0]!.name).toBe('requests');
  });

  it('does not fail an error rate within the tolerance, however significant', () => {
    const j = judgeCanary(sample(100_000, 0, FAST), sample(100_000, 500, FAST), options);
    expect(j.checks.find((c) => c.name === 'success-rate')!.verdict).toBe('pass');
  });

  it('fails a canary whose latency is clearly worse', () => {
    const j = judgeCanary(sample(2000, 0, FAST), sample(300, 0, SLOW), options);
    const latency = j.checks.find((c) => c.name === 'latency-p99')!;
    expect(latency.verdict).toBe('fail');
    expect(latency.canary!).toBeGreaterThan(latency.baseline!);
    expect(j.verdict).toBe('fail');
  });

  it('passes a faster canary', () => {
    const j = judgeCanary(sample(2000, 0, SLOW), sample(300, 0, FAST), options);
    expect(j.verdict).toBe('pass');
  });

  it('judges services without a latency histogram on errors alone', () => {
    const j = judgeCanary(
      { requests: 500, errors: 0, buckets: new Map() },
      { requests: 100, errors: 0, buckets: new Map() },
      options,
    );
    expect(j.verdict).toBe('pass');
  });
});
