/**
 * Functions over a range vector window, one series at a time, exactly as Prometheus 2.42's
 * `promql/functions.go` computes them (extrapolated rate, Kahan-compensated sums and regression, …).
 * Each returns `undefined` when the series yields no output for the step (e.g. fewer than two points).
 */
import { kahanAdd, quantileOf, type KahanAccumulator } from './kahan.js';
import type { RangeSeries, RangeWindow } from './value.js';

/** Per-call inputs of a range function besides the window. */
export interface RangeCallContext {
  readonly window: RangeWindow;
  /** The evaluation timestamp (ms), which predict_linear extrapolates from. */
  readonly evalTs: number;
  /** Values of the scalar arguments, in argument order (the matrix argument left out). */
  readonly scalars: readonly number[];
}

/** A range-vector function. */
export type RangeFunction = (s: RangeSeries, ctx: RangeCallContext) => number | undefined;

/**
 * Prometheus's extrapolatedRate (rate, increase, delta). `noResets` says the caller knows the window holds no
 * counter reset and does not start below zero, so the reset scan would add nothing (not even a +0).
 */
export function extrapolatedRate(
  s: RangeSeries,
  window: RangeWindow,
  isCounter: boolean,
  isRate: boolean,
  noResets = false,
): number | undefined {
  const { t, v, lo, hi } = s;
  if (hi - lo < 2) return undefined;
  const rangeStart = window.endMs - window.rangeMs;
  const rangeEnd = window.endMs;
  const first = v[lo]!;
  let result = v[hi - 1]! - first;
  if (isCounter && !noResets) {
    let last = 0;
    for (let i = lo; i < hi; i++) {
      const value = v[i]!;
      if (value < last) result += last;
      last = value;
    }
  }
  let durationToStart = (t[lo]! - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - t[hi - 1]!) / 1000;
  const sampledInterval = (t[hi - 1]! - t[lo]!) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (hi - lo - 1);
  if (isCounter && result > 0 && first >= 0) {
    // Counters cannot go below zero: don't extrapolate the start past the zero crossing.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval +=
    durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval +=
    durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  // One factor, then one multiplication: the same rounding as Prometheus 2.42.
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= window.rangeMs / 1000;
  return result * factor;
}

function instantValue(s: RangeSeries, isRate: boolean): number | undefined {
  const { t, v, hi } = s;
  if (hi - s.lo < 2) return undefined;
  const last = v[hi - 1]!;
  const previous = v[hi - 2]!;
  let result = isRate && last < previous ? last : last - previous;
  const sampledInterval = t[hi - 1]! - t[hi - 2]!;
  if (sampledInterval === 0) return undefined;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

/** Least-squares slope and intercept at `interceptTime`, Kahan-compensated (Prometheus's linearRegression). */
export function linearRegression(s: RangeSeries, interceptTime: number): [number, number] {
  const { t, v, lo, hi } = s;
  const sumX: KahanAccumulator = [0, 0];
  const sumY: KahanAccumulator = [0, 0];
  const sumXY: KahanAccumulator = [0, 0];
  const sumX2: KahanAccumulator = [0, 0];
  const initY = v[lo]!;
  let constY = true;
  let n = 0;
  for (let i = lo; i < hi; i++) {
    const y = v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (t[i]! - interceptTime) / 1e3;
    kahanAdd(sumX, x);
    kahanAdd(sumY, y);
    kahanAdd(sumXY, x * y);
    kahanAdd(sumX2, x * x);
  }
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [NaN, NaN];
  const sx = sumX[0] + sumX[1];
  const sy = sumY[0] + sumY[1];
  const sxy = sumXY[0] + sumXY[1];
  const sx2 = sumX2[0] + sumX2[1];
  const covXY = sxy - (sx * sy) / n;
  const varX = sx2 - (sx * sx) / n;
  const slope = covXY / varX;
  const intercept = sy / n - (slope * sx) / n;
  return [slope, intercept];
}

function avgOverTime(s: RangeSeries): number {
  const { v, lo, hi } = s;
  const acc: KahanAccumulator = [0, 0];
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const value = v[i]!;
    count++;
    const mean = acc[0];
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      // An infinite mean stays as it is unless a NaN or an infinity of the other sign arrives.
      if (!Number.isFinite(value) && !Number.isNaN(value) && mean > 0 === value > 0) continue;
      if (Number.isFinite(value)) continue;
    }
    kahanAdd(acc, value / count - mean / count);
  }
  const mean = acc[0];
  return !Number.isFinite(mean) && !Number.isNaN(mean) ? mean : mean + acc[1];
}

function varianceOverTime(s: RangeSeries): number {
  const { v, lo, hi } = s;
  const mean: KahanAccumulator = [0, 0];
  const aux: KahanAccumulator = [0, 0];
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const value = v[i]!;
    count++;
    const delta = value - (mean[0] + mean[1]);
    kahanAdd(mean, delta / count);
    kahanAdd(aux, delta * (value - (mean[0] + mean[1])));
  }
  return (aux[0] + aux[1]) / count;
}

function sumOverTime(s: RangeSeries): number {
  const acc: KahanAccumulator = [0, 0];
  for (let i = s.lo; i < s.hi; i++) kahanAdd(acc, s.v[i]!);
  return !Number.isFinite(acc[0]) && !Number.isNaN(acc[0]) ? acc[0] : acc[0] + acc[1];
}

function extremeOverTime(s: RangeSeries, max: boolean): number {
  let best = s.v[s.lo]!;
  for (let i = s.lo; i < s.hi; i++) {
    const value = s.v[i]!;
    if ((max ? value > best : value < best) || Number.isNaN(best)) best = value;
  }
  return best;
}

function countChanges(s: RangeSeries, resetsOnly: boolean): number {
  let count = 0;
  let previous = s.v[s.lo]!;
  for (let i = s.lo + 1; i < s.hi; i++) {
    const current = s.v[i]!;
    if (
      resetsOnly
        ? current < previous
        : current !== previous && !(Number.isNaN(current) && Number.isNaN(previous))
    ) {
      count++;
    }
    previous = current;
  }
  return count;
}

/** Range-vector functions by name (absent_over_time is handled by the evaluator: it spans all series). */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', (s, c) => extrapolatedRate(s, c.window, true, true)],
  ['increase', (s, c) => extrapolatedRate(s, c.window, true, false)],
  ['delta', (s, c) => extrapolatedRate(s, c.window, false, false)],
  ['irate', (s) => instantValue(s, true)],
  ['idelta', (s) => instantValue(s, false)],
  ['deriv', (s) => (s.hi - s.lo < 2 ? undefined : linearRegression(s, s.t[s.lo]!)[0])],
  [
    'predict_linear',
    (s, c) => {
      if (s.hi - s.lo < 2) return undefined;
      const [slope, intercept] = linearRegression(s, c.evalTs);
      return slope * c.scalars[0]! + intercept;
    },
  ],
  ['resets', (s) => countChanges(s, true)],
  ['changes', (s) => countChanges(s, false)],
  ['avg_over_time', avgOverTime],
  ['sum_over_time', sumOverTime],
  ['min_over_time', (s) => extremeOverTime(s, false)],
  ['max_over_time', (s) => extremeOverTime(s, true)],
  ['count_over_time', (s) => s.hi - s.lo],
  ['last_over_time', (s) => s.v[s.hi - 1]!],
  ['present_over_time', () => 1],
  ['stdvar_over_time', varianceOverTime],
  ['stddev_over_time', (s) => Math.sqrt(varianceOverTime(s))],
  [
    'quantile_over_time',
    (s, c) => {
      const values: number[] = [];
      for (let i = s.lo; i < s.hi; i++) values.push(s.v[i]!);
      return quantileOf(c.scalars[0]!, values);
    },
  ],
]);
