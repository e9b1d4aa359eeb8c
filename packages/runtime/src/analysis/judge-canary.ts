import { histogramQuantile } from '@opsloop/telemetry';
import { fisherGreaterPValue, mannWhitneyGreater } from './statistics.js';
import type { TrafficSample } from './traffic-sample.js';

/** How a canary is judged (the `analysis` block of a Canary or BlueGreen strategy). */
export interface JudgeOptions {
  /** Requests the canary must have served for a verdict; fewer is inconclusive. */
  minRequests: number;
  /** Significance level of each one-sided test. */
  alpha: number;
  /** An error-rate increase up to this (a fraction: 0.01 = one percentage point) is never a failure. */
  errorRateTolerance: number;
  /** The canary's p99 may exceed the baseline's by this fraction (0.2 = 20 %) … */
  latencyTolerance: number;
  /** … and by at least this many ms (histogram buckets are coarse) before it can fail. */
  latencyToleranceMs: number;
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** One comparison of a verdict, with its numbers (recorded in events and shown by `rollout status`). */
export interface Check {
  /** `detector-*`: the production anomaly detectors' checks (judge-detectors.ts), besides the tests'. */
  name: 'requests' | 'success-rate' | 'latency-p99' | 'detector-errors' | 'detector-latency';
  verdict: Verdict;
  baseline: number | null;
  canary: number | null;
  /** One-sided p-value of "the canary is worse", where a test was run. */
  pValue?: number;
  detail: string;
}

/** The outcome of one analysis. */
export interface Judgement {
  verdict: Verdict;
  checks: Check[];
  baselineRequests: number;
  canaryRequests: number;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const ms = (seconds: number) => (Number.isFinite(seconds) ? Math.round(seconds * 10_000) / 10 : null);

/**
 * Compares what the canary served with what the baseline (the stable revision) served over the same
 * interval. A check fails only when the canary is worse by more than its tolerance AND a one-sided test says
 * the difference is unlikely to be chance (p < alpha): a fixed threshold alone would fail good canaries on
 * noise and pass bad ones at low traffic. A worse-looking canary whose difference is not yet significant is
 * inconclusive (the step goes on collecting).
 */
export function judgeCanary(
  baseline: TrafficSample,
  canary: TrafficSample,
  options: JudgeOptions,
): Judgement {
  const checks: Check[] = [];
  const base = { baselineRequests: baseline.requests, canaryRequests: canary.requests };
  if (canary.requests < options.minRequests) {
    checks.push({
      name: 'requests',
      verdict: 'inconclusive',
      baseline: baseline.requests,
      canary: canary.requests,
      detail: `the canary served ${canary.requests} of the ${options.minRequests} requests a verdict needs`,
    });
    return { verdict: 'inconclusive', checks, ...base };
  }
  checks.push(successRateCheck(baseline, canary, options));
  checks.push(latencyCheck(baseline, canary, options));
  const verdict = checks.some((c) => c.verdict === 'fail')
    ? 'fail'
    : checks.some((c) => c.verdict === 'inconclusive')
      ? 'inconclusive'
      : 'pass';
  return { verdict, checks, ...base };
}

function successRateCheck(baseline: TrafficSample, canary: TrafficSample, options: JudgeOptions): Check {
  const canaryRate = canary.errors / canary.requests;
  const baselineRate = baseline.requests > 0 ? baseline.errors / baseline.requests : 0;
  const pValue =
    baseline.requests > 0
      ? fisherGreaterPValue(baseline.errors, baseline.requests, canary.errors, canary.requests)
      : // No baseline traffic: test against a perfect baseline of the same size (the most lenient prior).
        fisherGreaterPValue(0, canary.requests, canary.errors, canary.requests);
  const worseBy = canaryRate - baselineRate;
  const significant = pValue < options.alpha;
  const verdict: Verdict =
    worseBy <= options.errorRateTolerance ? 'pass' : significant ? 'fail' : 'inconclusive';
  return {
    name: 'success-rate',
    verdict,
    baseline: 1 - baselineRate,
    canary: 1 - canaryRate,
    pValue,
    detail:
      `errors ${pct(canaryRate)} (canary) vs ${pct(baselineRate)} (baseline), tolerance ` +
      `${pct(options.errorRateTolerance)}, p = ${pValue.toPrecision(3)}`,
  };
}

function latencyCheck(baseline: TrafficSample, canary: TrafficSample, options: JudgeOptions): Check {
  const bounds = [...new Set([...baseline.buckets.keys(), ...canary.buckets.keys()])].sort((a, b) => a - b);
  const cumulative = (sample: TrafficSample) =>
    bounds.map((le) => ({ le, count: sample.buckets.get(le) ?? 0 }));
  const baselineP99 = histogramQuantile(0.99, cumulative(baseline));
  const canaryP99 = histogramQuantile(0.99, cumulative(canary));
  if (!Number.isFinite(canaryP99) || !Number.isFinite(baselineP99)) {
    return {
      name: 'latency-p99',
      verdict: Number.isFinite(canaryP99) || bounds.length === 0 ? 'pass' : 'inconclusive',
      baseline: ms(baselineP99),
      canary: ms(canaryP99),
      detail: 'no latency histogram to compare (pass: only the success rate is judged)',
    };
  }
  const perBin = (sample: TrafficSample) => {
    let previous = 0;
    return bounds.map((le) => {
      const count = sample.buckets.get(le) ?? 0;
      const inBin = Math.max(0, count - previous);
      previous = Math.max(previous, count);
      return inBin;
    });
  };
  const allowed = Math.max(
    baselineP99 * (1 + options.latencyTolerance),
    baselineP99 + options.latencyToleranceMs / 1000,
  );
  // Two views of "slower", Bonferroni-combined: the tail (the share of requests slower than the largest
  // bucket bound within what is allowed, Fisher exact), which is what p99 is about, and the whole
  // distribution (Mann–Whitney), which catches a shift before it reaches the tail.
  const finite = bounds.filter((le) => Number.isFinite(le));
  const threshold = [...finite].reverse().find((le) => le <= allowed) ?? finite[0] ?? Infinity;
  const slower = (sample: TrafficSample) => {
    const total = sample.buckets.get(Infinity) ?? sample.requests;
    return { slow: Math.max(0, total - (sample.buckets.get(threshold) ?? 0)), total };
  };
  const b = slower(baseline);
  const c = slower(canary);
  const tailP =
    b.total > 0 && c.total > 0
      ? fisherGreaterPValue(Math.min(b.slow, b.total), b.total, Math.min(c.slow, c.total), c.total)
      : 1;
  const shift = mannWhitneyGreater(perBin(baseline), perBin(canary));
  const pValue = Math.min(1, 2 * Math.min(tailP, shift.pValue));
  const worse = canaryP99 > allowed;
  const verdict: Verdict = !worse ? 'pass' : pValue < options.alpha ? 'fail' : 'inconclusive';
  return {
    name: 'latency-p99',
    verdict,
    baseline: ms(baselineP99),
    canary: ms(canaryP99),
    pValue,
    detail:
      `p99 ${ms(canaryP99)} ms (canary) vs ${ms(baselineP99)} ms (baseline), allowed ${ms(allowed)} ms, ` +
      `slower than ${ms(threshold)} ms: ${c.slow}/${c.total} vs ${b.slow}/${b.total}, p = ${pValue.toPrecision(3)}`,
  };
}
